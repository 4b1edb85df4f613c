import type { Progress } from '../engine/batch.js';

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/**
 * A one-line progress bar on stderr: chains done, chain·generations per second, ETA.
 * Silent unless stderr is a terminal and --quiet was not given.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly totalChains: number,
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(progress: Progress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && progress.chainsDone < this.totalChains) return;
    this.lastDraw = now;
    const elapsed = (now - this.started) / 1000;
    const fraction = progress.chainsDone / this.totalChains;
    const width = 24;
    const filled = Math.round(fraction * width);
    const rate = elapsed > 0 ? progress.chainGenerations / elapsed : 0;
    const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Infinity;
    const line =
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(100 * fraction).toFixed(1).padStart(5)}%  ` +
      `${progress.chainsDone}/${this.totalChains} chains  ${rate.toExponential(2)} chain·gen/s  ETA ${formatDuration(eta)}`;
    this.stream.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the bar so that what follows starts on a clean line. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
