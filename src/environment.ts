/**
 * The machine and software a result was made with: recorded in benchmark reports, the
 * reproduction report and every output file's provenance, so a file says what made it.
 * Nothing in it changes between runs on one machine, so equal runs still give
 * byte-identical files.
 */
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';

export interface MachineDescription {
  readonly cpu: string;
  readonly cores: number;
  readonly memory_bytes: number;
  /** Node's version (process.version, e.g. "v20.11.1"). */
  readonly node: string;
  /** The operating system and processor architecture, "<platform>-<arch>" (e.g. "linux-x64"). */
  readonly platform: string;
  /** The operating system and its release, as `uname -sr` would put it (e.g. "linux 6.1.0-18-amd64"). */
  readonly os: string;
}

export function machineDescription(): MachineDescription {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memory_bytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    os: operatingSystem(),
  };
}

/** The operating system, as `uname -sr` would put it (e.g. "linux 6.1.0-18-amd64"). */
export function operatingSystem(): string {
  return `${platform()} ${release()}`;
}
