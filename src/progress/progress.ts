/**
 * Progress of long work (a run, a sweep, a calibration) on stderr, in one of three modes:
 *
 * - `terminal` (stderr is a TTY): one line redrawn in place, at most every REDRAW_MS, with the
 *   fraction done, what is being done, the elapsed time and an ETA;
 * - `heartbeat` (stderr is a file or a pipe, e.g. a batch job's log): the same line, once every
 *   HEARTBEAT_MS (30 s), so a log shows the job is alive and how far it is;
 * - `quiet` (`--quiet`): nothing.
 *
 * ETA = elapsed x (1 - f) / f, f the fraction done: a linear extrapolation, shown once f > 0.
 * Lines are written when the work reports (rounds, runs, rates), not by a timer: a simulation
 * runs synchronously between its reports, so a timer would not fire while it works. The clock and
 * the stream are injected (tests drive a fake clock; nothing here reads the wall clock itself).
 * cli-progress is not used for this: it reads Date.now and schedules its own timers.
 */

/** Milliseconds since some origin. */
export interface Clock {
  now(): number;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export type ProgressMode = 'terminal' | 'heartbeat' | 'quiet';

/** A heartbeat line every 30 s when the output is not a terminal. */
export const HEARTBEAT_MS = 30_000;
/** A terminal line is redrawn at most every 200 ms. */
export const REDRAW_MS = 200;

export const systemClock: Clock = { now: () => performance.now() };

/** The mode for a stream: quiet when asked, terminal on a TTY, else heartbeat. */
export function progressMode(stream: ProgressStream, quiet?: boolean): ProgressMode {
  if (quiet) return 'quiet';
  return stream.isTTY === true ? 'terminal' : 'heartbeat';
}

/** 42s, 3m05s, 2h07m, 3d04h. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}

export interface ProgressOptions {
  mode: ProgressMode;
  stream: ProgressStream;
  clock?: Clock;
  heartbeatMs?: number;
  redrawMs?: number;
}

export class Progress {
  private readonly clock: Clock;
  private readonly startMs: number;
  private lastWriteMs = -Infinity;
  private fraction = 0;
  private detail = '';
  private drawn = 0;

  constructor(
    /** What is in progress, e.g. `airtune run quickstart`. */
    readonly label: string,
    private readonly opts: ProgressOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.startMs = this.clock.now();
    if (opts.mode === 'heartbeat') this.lastWriteMs = this.startMs; // the first heartbeat after 30 s
  }

  get mode(): ProgressMode {
    return this.opts.mode;
  }

  /** The line as it would be shown now. */
  line(): string {
    const elapsed = this.clock.now() - this.startMs;
    const f = this.fraction;
    const eta = f > 0 ? formatDuration((elapsed * (1 - f)) / f) : '?';
    const parts = [`${this.label}: ${(100 * f).toFixed(0)}%`];
    if (this.detail) parts.push(this.detail);
    parts.push(`elapsed ${formatDuration(elapsed)}`, `ETA ${f >= 1 ? '0s' : eta}`);
    return parts.join(' | ');
  }

  /** The work reached `fraction` (0..1) of its total, doing `detail`. */
  report(fraction: number, detail = this.detail): void {
    this.fraction = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    this.detail = detail;
    const now = this.clock.now();
    if (this.opts.mode === 'terminal' && now - this.lastWriteMs >= (this.opts.redrawMs ?? REDRAW_MS)) this.draw(now);
    else if (this.opts.mode === 'heartbeat' && now - this.lastWriteMs >= (this.opts.heartbeatMs ?? HEARTBEAT_MS)) {
      this.lastWriteMs = now;
      this.opts.stream.write(`${this.line()}\n`);
    }
  }

  /** The work is over: the terminal line is completed (and kept); heartbeat and quiet write nothing. */
  done(detail?: string): void {
    if (this.opts.mode !== 'terminal') return;
    this.fraction = 1;
    if (detail !== undefined) this.detail = detail;
    this.draw(this.clock.now());
    this.opts.stream.write('\n');
    this.drawn = 0;
  }

  /** Clears the terminal line (before other output); the next report draws it again. */
  clear(): void {
    if (this.opts.mode !== 'terminal' || this.drawn === 0) return;
    this.opts.stream.write(`\r${' '.repeat(this.drawn)}\r`);
    this.drawn = 0;
    this.lastWriteMs = -Infinity;
  }

  private draw(now: number): void {
    this.lastWriteMs = now;
    const text = this.line();
    const pad = this.drawn > text.length ? ' '.repeat(this.drawn - text.length) : '';
    this.opts.stream.write(`\r${text}${pad}`);
    this.drawn = text.length;
  }
}

/**
 * Fraction done of a run of several methods, one after another: method `index` (of caps.length)
 * has finished `round` rounds at simulated time `simTimeS`; a method ends at its round cap or its
 * simulated-time budget, whichever comes first, so its own fraction is the larger of the two
 * ratios (0 when it has neither: a target loss alone gives no ETA until the method ends).
 */
export function runFraction(caps: readonly { rounds?: number; simTimeS?: number }[], index: number, round: number, simTimeS: number): number {
  if (caps.length === 0) return 1;
  const c = caps[index] ?? {};
  let f = 0;
  if (c.rounds !== undefined && c.rounds > 0) f = Math.max(f, round / c.rounds);
  if (c.simTimeS !== undefined && c.simTimeS > 0) f = Math.max(f, simTimeS / c.simTimeS);
  return (index + Math.min(1, f)) / caps.length;
}
