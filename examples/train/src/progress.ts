/**
 * The training progress line on stderr. On a terminal: one bar redrawn in place (at most 10 times a
 * second), messages printed above it. Elsewhere (logs, pipes, CI): a plain line every `every` steps and
 * the messages, no control characters.
 */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): boolean;
}

export interface ProgressStats {
  readonly loss: number;
  /** Teacher-forced accuracy of the answer letters in the recent batches. */
  readonly accuracy: number;
  readonly stepsPerSecond: number;
}

const BAR_WIDTH = 24;

export class TrainProgress {
  private readonly tty: boolean;
  private lastDraw = 0;
  private lastLine = '';
  private readonly every: number;

  /** With `bar` false only the messages are written (for --no-progress). */
  constructor(private readonly label: string, private readonly total: number, private readonly stream: ProgressStream = process.stderr,
    private readonly bar = true) {
    this.tty = stream.isTTY === true;
    this.every = Math.max(1, Math.round(total / 20));
  }

  update(step: number, stats: ProgressStats): void {
    if (!this.bar) return;
    const remaining = stats.stepsPerSecond > 0 ? (this.total - step) / stats.stepsPerSecond : Number.NaN;
    const numbers = `loss ${stats.loss.toFixed(4)}  acc ${(100 * stats.accuracy).toFixed(1)}%  ` +
      `${stats.stepsPerSecond.toFixed(2)} steps/s  eta ${formatDuration(remaining)}`;
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastDraw < 100 && step < this.total) return;
      this.lastDraw = now;
      const filled = Math.round((BAR_WIDTH * step) / this.total);
      this.lastLine = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${step}/${this.total}  ${numbers}`;
      this.stream.write(`\r\x1b[2K${this.lastLine}`);
    } else if (step % this.every === 0 || step === this.total) {
      this.stream.write(`${this.label} step ${step}/${this.total}  ${numbers}\n`);
    }
  }

  /** A line that stays (evaluations, checkpoints). */
  message(text: string): void {
    if (this.tty) this.stream.write(`\r\x1b[2K${text}\n${this.lastLine}`);
    else this.stream.write(`${text}\n`);
  }

  finish(): void {
    if (this.tty && this.lastLine) this.stream.write('\n');
    this.lastLine = '';
  }
}

/** Silences progress (tests, library use). */
export const silentStream: ProgressStream = { isTTY: false, write: () => true };

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
