/**
 * Progress on stderr, so stdout stays clean for the table. On a terminal: one bar redrawn in place,
 * finished steps printed above it. Otherwise (CI logs, pipes): no progress, only each step's result
 * line when it ends and the messages, no control characters.
 */

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

const BAR_WIDTH = 24;

export class ProgressBar {
  private done = 0;
  private label = '';
  private detail = '';
  private readonly startedAt = performance.now();
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  /** A step starts. */
  begin(label: string): void {
    this.label = label;
    this.detail = '';
    if (this.tty) this.redraw();
  }

  /** Live detail of the running step (shown on terminals only: logs would fill up). */
  update(detail: string): void {
    this.detail = detail;
    if (this.tty) this.redraw();
  }

  /** The running step ended; `summary` is kept in the output. */
  end(summary: string): void {
    this.done = Math.min(this.total, this.done + 1);
    const line = `[${this.done}/${this.total}] ${this.label}: ${summary}`;
    this.label = '';
    this.detail = '';
    this.print(line);
  }

  /** A message that must stay visible (warnings, caps). */
  print(message: string): void {
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${message}\n`);
      this.redraw();
    } else {
      this.stream.write(`${message}\n`);
    }
  }

  finish(): void {
    if (this.tty) this.stream.write('\r\x1b[2K');
  }

  private redraw(): void {
    const filled = this.total === 0 ? BAR_WIDTH : Math.round((BAR_WIDTH * this.done) / this.total);
    const seconds = ((performance.now() - this.startedAt) / 1000).toFixed(0);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${this.done}/${this.total} ${seconds}s ${this.label} ${this.detail}`;
    // A pseudo-terminal without a size reports 0 columns.
    const width = Math.max(40, (this.stream.columns || 120) - 1);
    this.stream.write(`\r\x1b[2K${line.length > width ? line.slice(0, width) : line}`);
  }
}
