/** What the page and its engine worker (web/engine-worker.ts) say to each other. */
import type { ChainBatch } from '../src/engine/batch.js';
import type { RunSpec } from '../src/spec/run-spec.js';
import type { PageBackend } from './backend-names.js';

export type ToWorker =
  | { readonly type: 'open'; readonly backend: PageBackend; readonly spec: RunSpec }
  /** Compile the GPU kernel the run needs, before any batch. */
  | { readonly type: 'prepare' }
  /** Run `batches` batches from `startChain` (null: to the end), posting each. */
  | { readonly type: 'run'; readonly startChain: number; readonly batches: number | null }
  | { readonly type: 'stop' }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'opened'; readonly backend: string; readonly device: string; readonly exact: boolean }
  | { readonly type: 'unavailable'; readonly reason: string }
  | { readonly type: 'prepared'; readonly compiled: boolean }
  | { readonly type: 'progress'; readonly chainGenerations: number; readonly milliseconds: number }
  | { readonly type: 'batch'; readonly batch: ChainBatch; readonly milliseconds: number }
  | { readonly type: 'ran' }
  | { readonly type: 'closed' }
  | { readonly type: 'failed'; readonly kind: 'usage' | 'interrupted' | 'error'; readonly message: string };
