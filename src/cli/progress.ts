/**
 * A one-line progress bar for long commands, drawn on stderr.
 *
 * It appears only when both stdout and stderr are terminals and the command prints no JSON:
 * piped or redirected output (`--to -`, `> file`, `--json`) never sees it, and stderr is
 * written only when it is a terminal. The line is redrawn in place (`\r`) at most every
 * {@link RENDER_INTERVAL_MS} and erased when the work ends, so nothing of it stays on screen.
 *
 * @packageDocumentation
 */

/** What a progress bar writes to: process.stderr, or a test's stand-in. */
export interface ProgressTarget {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** What is being done, e.g. `streaming` or `bench assembly`. */
  label: string;
  /** Units to do; without it the bar shows a count and no bar. */
  total?: number;
  /** Name of the units, e.g. `frames` or `s`. */
  unit?: string;
  /** Where to draw (default process.stderr). */
  target?: ProgressTarget;
  /** Draw at all (default {@link progressWanted}). */
  enabled?: boolean;
  /** Clock in milliseconds (default performance.now). */
  now?: () => number;
}

/** Terminal escape that erases the whole line the cursor is on (ECMA-48 EL, parameter 2). */
const ERASE_LINE = '\r\x1b[2K';

/** Redraw at most this often (ms). */
export const RENDER_INTERVAL_MS = 100;

const DEFAULT_COLUMNS = 80;
/** Narrowest bar worth drawing, in cells. */
const MIN_BAR_CELLS = 10;
const BAR_DONE = '#';
const BAR_TODO = '-';
const PERCENT = 100;

/**
 * True when a progress bar may be drawn: stdout and stderr are terminals and the command
 * does not print JSON.
 */
export function progressWanted(
  json: boolean | undefined,
  streams: { stdout: { isTTY?: boolean }; stderr: { isTTY?: boolean } } = process,
): boolean {
  return json !== true && streams.stdout.isTTY === true && streams.stderr.isTTY === true;
}

function formatAmount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** A progress line; every method does nothing when the bar is disabled. */
export class Progress {
  readonly enabled: boolean;
  readonly #label: string;
  readonly #total: number | undefined;
  readonly #unit: string;
  readonly #target: ProgressTarget;
  readonly #now: () => number;
  #done = 0;
  #detail = '';
  #lastDraw = Number.NEGATIVE_INFINITY;
  #shown = false;
  #finished = false;

  constructor(options: ProgressOptions) {
    this.#label = options.label;
    this.#total = options.total !== undefined && options.total > 0 ? options.total : undefined;
    this.#unit = options.unit ?? '';
    this.#target = options.target ?? process.stderr;
    this.#now = options.now ?? (() => performance.now());
    // stderr is written only when it is a terminal, whatever the caller asked.
    this.enabled = (options.enabled ?? progressWanted(false)) && this.#target.isTTY === true;
  }

  /** Record progress; redraws when the last drawing is older than the render interval. */
  update(done: number, detail = ''): void {
    if (!this.enabled || this.#finished) return;
    this.#done = done;
    this.#detail = detail;
    const now = this.#now();
    if (now - this.#lastDraw < RENDER_INTERVAL_MS) return;
    this.#lastDraw = now;
    this.#draw();
  }

  /**
   * Erase the bar, run `write` (which prints something else on the terminal), and draw the
   * bar again below it.
   */
  interrupt(write: () => void): void {
    if (!this.enabled || !this.#shown || this.#finished) {
      write();
      return;
    }
    this.#target.write(ERASE_LINE);
    write();
    this.#draw();
  }

  /** Erase the bar for good. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.enabled && this.#shown) this.#target.write(ERASE_LINE);
    this.#shown = false;
  }

  /** The text of the line as it would be drawn now (without the escape codes). */
  line(): string {
    // A pseudo-terminal without a size reports 0 columns.
    const columns = (this.#target.columns ?? 0) > 0 ? this.#target.columns! : DEFAULT_COLUMNS;
    const unit = this.#unit ? ` ${this.#unit}` : '';
    const detail = this.#detail ? `  ${this.#detail}` : '';
    if (this.#total === undefined) {
      return `${this.#label} ${formatAmount(this.#done)}${unit}${detail}`.slice(0, columns - 1);
    }

    const fraction = Math.min(1, Math.max(0, this.#done / this.#total));
    const counts = `${formatAmount(this.#done)}/${formatAmount(this.#total)}${unit}`;
    const percent = `${Math.floor(fraction * PERCENT)}%`.padStart(4);
    const fixed = `${this.#label} [] ${percent} ${counts}${detail}`;
    const cells = columns - 1 - fixed.length;
    if (cells < MIN_BAR_CELLS) {
      return `${this.#label} ${percent} ${counts}${detail}`.slice(0, columns - 1);
    }
    const filled = Math.round(fraction * cells);
    const bar = BAR_DONE.repeat(filled) + BAR_TODO.repeat(cells - filled);
    return `${this.#label} [${bar}] ${percent} ${counts}${detail}`;
  }

  #draw(): void {
    this.#target.write(`${ERASE_LINE}${this.line()}`);
    this.#shown = true;
  }
}
