/**
 * A worker thread holding one compiled chain kernel (see kernel-runner.ts): it receives
 * slices of chains, advances them, and sends back their slots.
 */
import { parentPort } from 'node:worker_threads';
import './kernel-bytecode-limit.js';
import { InThreadRunner, type KernelRecipe } from './kernel-runner.js';

let runner: InThreadRunner | null = null;

parentPort!.on('message', async (message: { type: string; id: number; recipe?: KernelRecipe; packed?: Float32Array; n?: number; generations?: number }) => {
  try {
    if (message.type === 'init') {
      const { GPU } = await import('gpu.js');
      const gpu = new GPU({ mode: message.recipe!.backend });
      runner = await InThreadRunner.create(gpu as never, message.recipe!);
      parentPort!.postMessage({ id: message.id });
      return;
    }
    const output = await runner!.run(message.packed!, message.n!, message.generations!);
    parentPort!.postMessage({ id: message.id, output }, [output.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: (error as Error).message });
  }
});
