/**
 * A small SimPy-like discrete-event core: an Environment (clock + future-event list), events
 * with SimPy's pending -> triggered -> processed life cycle, conditions (allOf/anyOf), and
 * processes written as generators that `yield` events.
 *
 * Semantics follow SimPy (https://simpy.readthedocs.io/en/latest/topical_guides/events.html),
 * with one simplification: there are no priorities, every item is ordered by (time, insertion
 * order). Generators are used instead of async/await because promise microtasks are both slow
 * and outside the simulated clock's control.
 */
import { CalendarQueue } from './calendar.js';

/** Why `run()` returned. */
export type StopReason = 'empty' | 'until' | 'maxEvents' | 'stopWhen' | 'stopped';

export interface RunOptions {
  /** Stop before processing any item at time >= untilS and set the clock to exactly untilS. */
  until?: number;
  /** Stop after this many events have been processed by this call. */
  maxEvents?: number;
  /** Checked before the first and after every processed event; stop when it returns true. */
  stopWhen?: () => boolean;
}

/** A callback attached to an event; runs when the event is processed. */
export type EventCallback<T = unknown> = (event: SimEvent<T>) => void;

/** What a process generator yields and receives. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ProcessGenerator<R = unknown> = Generator<SimEvent<any>, R, any>;

/** The value of an `anyOf` condition: which event fired first, and its value. */
export interface AnyOfResult<T> {
  index: number;
  event: SimEvent<T>;
  value: T;
}

/** Thrown into a process by `Process.interrupt(cause)`. */
export class Interrupt extends Error {
  override readonly cause: unknown;
  constructor(cause?: unknown) {
    super(`process interrupted${cause === undefined ? '' : `: ${String(cause)}`}`);
    this.name = 'Interrupt';
    this.cause = cause;
  }
}

// Event states.
const PENDING = 0;
const TRIGGERED = 1;
const PROCESSED = 2;

// Queue item kinds (0 is the queue's CANCELLED).
const K_EVENT = 1;
const K_CALLBACK = 2;
const K_START = 3;
const K_INTERRUPT = 4;
/** A queued event whose first waiter is a process (`arg`) that is resumed directly. */
const K_RESUME = 5;

// The generator methods shared by every native generator. Calling them through these constants
// keeps the call site monomorphic: each `function*` expression has its own prototype object, so
// `gen.next(...)` on many processes would otherwise be a megamorphic property lookup.
const GEN_PROTO = Object.getPrototypeOf(function* () {}).prototype as Generator<unknown, unknown, unknown>;
const GEN_NEXT = GEN_PROTO.next;
const GEN_THROW = GEN_PROTO.throw;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Waiter = Process<any> | EventCallback<any>;

/**
 * An event. Created pending by `env.event()`; `succeed(value)` / `fail(error)` trigger it (it is
 * then scheduled at the current time); when the environment processes it, its callbacks and
 * waiting processes run in the order they were attached.
 *
 * A failed event that nobody handles (no waiting process caught it, no condition consumed it,
 * `defuse()` was not called) makes `env.run()` throw its error, so bugs never pass silently.
 */
export class SimEvent<T = unknown> {
  /** @internal */ declare _state: number;
  /** @internal */ declare _ok: boolean;
  /** @internal */ declare _value: T | undefined;
  /** @internal */ declare _error: unknown;
  /** @internal */ declare _defused: boolean;
  // The first waiter is kept in a field (the common case: one process waits); others in an array.
  /** @internal */ declare _w0: Waiter | null;
  /** @internal */ declare _ws: (Waiter | null)[] | null;

  declare readonly env: Environment;

  constructor(env: Environment) {
    this.env = env;
    this._state = PENDING;
    this._ok = true;
    this._value = undefined;
    this._error = undefined;
    this._defused = false;
    this._w0 = null;
    this._ws = null;
  }

  /** True once succeeded/failed (scheduled), including after processing. */
  get triggered(): boolean {
    return this._state !== PENDING;
  }

  /** True once the environment has processed the event (callbacks have run). */
  get processed(): boolean {
    return this._state === PROCESSED;
  }

  /** True if triggered successfully; false if failed. Throws while pending. */
  get ok(): boolean {
    if (this._state === PENDING) throw new Error('event is still pending');
    return this._ok;
  }

  /** The value; throws while pending, and rethrows the error of a failed event. */
  get value(): T {
    if (this._state === PENDING) throw new Error('event is still pending');
    if (!this._ok) throw this._error;
    return this._value as T;
  }

  /** The error of a failed event (undefined otherwise). */
  get error(): unknown {
    return this._error;
  }

  get defused(): boolean {
    return this._defused;
  }

  /** Mark a failure as handled so `run()` does not throw it. */
  defuse(): this {
    this._defused = true;
    return this;
  }

  /** Trigger successfully; the event is processed at the current time, after items already due. */
  succeed(value?: T): this {
    return this.trigger(true, value, undefined);
  }

  /** Trigger as failed; waiting processes get `error` thrown at their `yield`. */
  fail(error: unknown): this {
    return this.trigger(false, undefined, error);
  }

  private trigger(ok: boolean, value: T | undefined, error: unknown): this {
    if (this._state !== PENDING) throw new Error('event has already been triggered');
    this._state = TRIGGERED;
    this._ok = ok;
    this._value = value;
    this._error = error;
    this.env._enqueue(this, 0);
    return this;
  }

  /**
   * Call `cb(event)` when the event is processed. If it already was, `cb` is scheduled at the
   * current time (never called synchronously). Plain callbacks do not defuse failures.
   */
  addCallback(cb: EventCallback<T>): this {
    if (this._state === PROCESSED) this.env._enqueueCallback(cb as EventCallback<unknown>, this);
    else this._addWaiter(cb as Waiter);
    return this;
  }

  /** Detach a callback added with `addCallback`; returns whether it was attached. */
  removeCallback(cb: EventCallback<T>): boolean {
    return this._removeWaiter(cb as Waiter);
  }

  /** `const v = yield* event` gives a typed value inside a process (same as `yield event`). */
  *[Symbol.iterator](): Generator<SimEvent<T>, T, T> {
    return yield this;
  }

  /** @internal */
  _addWaiter(w: Waiter): void {
    // Keep registration order: once the array exists, everything goes there.
    if (this._w0 === null && this._ws === null) this._w0 = w;
    else if (this._ws === null) this._ws = [w];
    else this._ws.push(w);
  }

  /** @internal */
  _removeWaiter(w: Waiter): boolean {
    if (this._w0 === w) {
      this._w0 = null;
      return true;
    }
    const ws = this._ws;
    if (ws !== null) {
      const i = ws.indexOf(w);
      if (i >= 0) {
        // Splice rather than leave a hole: a long-lived event (a stop signal) that many
        // short-lived conditions or processes wait on and leave must not grow (SimPy's
        // list.remove does the same). Processing detaches the list first, so no iteration is
        // disturbed.
        ws.splice(i, 1);
        if (ws.length === 0) this._ws = null;
        return true;
      }
    }
    return false;
  }

  /** @internal Run callbacks/waiters; called by the environment when the event is popped. */
  _process(): void {
    this._state = PROCESSED;
    const w0 = this._w0;
    if (w0 !== null) {
      this._w0 = null;
      if (typeof w0 === 'function') w0(this);
      else w0._resume(this);
    }
    const ws = this._ws;
    if (ws !== null) {
      this._ws = null;
      for (let i = 0; i < ws.length; i++) {
        const w = ws[i]!;
        if (w === null) continue;
        if (typeof w === 'function') w(this);
        else w._resume(this);
      }
    }
    if (!this._ok && !this._defused) throw this._error;
  }
}

/**
 * A process: runs a generator that yields events; it resumes when the yielded event is
 * processed (receiving its value, or having its error thrown in). The Process is itself an
 * event that succeeds with the generator's return value or fails with its uncaught error.
 */
export class Process<R = unknown> extends SimEvent<R> {
  /** @internal */ declare _gen: ProcessGenerator<R>;
  /** @internal */ declare _target: SimEvent<unknown> | null;
  /**
   * @internal Queue slot of the K_RESUME item this process waits on (its target is then that
   * item's event, and the process is not in the event's waiter list), or -1.
   */
  declare _fastSlot: number;
  /** @internal Whether `_gen` uses the built-in generator next/throw. */
  declare _native: boolean;

  constructor(env: Environment, gen: ProcessGenerator<R>) {
    super(env);
    this._gen = gen;
    this._target = null;
    this._fastSlot = -1;
    this._native = gen.next === GEN_NEXT && gen.throw === GEN_THROW;
  }

  /** The event this process is waiting for (null if running, not started, or finished). */
  get target(): SimEvent<unknown> | null {
    return this._fastSlot >= 0 ? this.env._slotEvent(this._fastSlot) : this._target;
  }

  /** True until the generator has returned or thrown. */
  get isAlive(): boolean {
    return this._state === PENDING;
  }

  /**
   * Throw `new Interrupt(cause)` into the process at its current `yield`, at the current time
   * (after items already due now). The process stops waiting for its target event.
   */
  interrupt(cause?: unknown): void {
    if (this._state !== PENDING) throw new Error('cannot interrupt a process that has terminated');
    if (this.env.activeProcess === this) throw new Error('a process cannot interrupt itself');
    const ev = new SimEvent<never>(this.env);
    ev._state = TRIGGERED;
    ev._ok = false;
    ev._error = new Interrupt(cause);
    ev._defused = true;
    this.env._enqueueInterrupt(this, ev);
  }

  /** @internal */
  _deliverInterrupt(ev: SimEvent<unknown>): void {
    if (this._state !== PENDING) return; // finished meanwhile
    if (this._fastSlot >= 0) {
      // The K_RESUME item, when it fires, sees the slot no longer claimed and only processes
      // its event.
      this._fastSlot = -1;
    } else {
      const t = this._target;
      if (t !== null) {
        t._removeWaiter(this);
        this._target = null;
      }
    }
    this._resume(ev);
  }

  /** @internal Feed `ev` into the generator and run it to its next wait. */
  _resume(ev: SimEvent<unknown>): void {
    const env = this.env;
    const gen = this._gen;
    const native = this._native;
    env.activeProcess = this;
    let cur = ev;
    for (;;) {
      let r: IteratorResult<SimEvent<unknown>, R>;
      try {
        if (cur._ok) {
          r = native ? GEN_NEXT.call(gen, cur._value) as typeof r : gen.next(cur._value);
        } else {
          cur._defused = true;
          r = native ? GEN_THROW.call(gen, cur._error) as typeof r : gen.throw(cur._error);
        }
      } catch (e) {
        this._target = null;
        env.activeProcess = null;
        this._state = TRIGGERED;
        this._ok = false;
        this._error = e;
        env._enqueue(this, 0);
        return;
      }
      if (r.done === true) {
        this._target = null;
        env.activeProcess = null;
        this._state = TRIGGERED;
        this._value = r.value;
        env._enqueue(this, 0);
        return;
      }
      const next = r.value;
      // Fast path for the usual `yield env.timeout(d)`: see Environment._waitFast.
      if (env._waitFast(this, next)) break;
      if (!(next instanceof SimEvent) || next.env !== env) {
        // Mirror SimPy: yielding something that is not an event of this environment is an
        // error raised at the yield.
        cur = env._failedEvent(new TypeError(`a process yielded a ${typeof next}, not an event of its environment`));
        continue;
      }
      if (next._state !== PROCESSED) {
        next._addWaiter(this);
        this._target = next;
        break;
      }
      cur = next; // already processed: continue at once with its outcome
    }
    env.activeProcess = null;
  }
}

/**
 * Remove a fired condition's `check` from its events that are still to be processed, as SimPy's
 * `Condition._remove_check_callbacks`: otherwise a long-lived event (a stop signal) in a loop of
 * `yield env.anyOf([env.timeout(d), stop])` keeps one dead callback per iteration. (Processed
 * events have already dropped their waiters; the event being processed has detached its list.)
 */
function detachCheck<T>(list: readonly SimEvent<T>[], check: EventCallback<T>): void {
  for (let i = 0; i < list.length; i++) {
    const ev = list[i]!;
    if (ev._state !== PROCESSED) ev._removeWaiter(check as Waiter);
  }
}

/** The simulated world: clock, future-event list, counters. Time is in seconds. */
export class Environment {
  /** @internal */ _now: number;
  /** Events processed (popped and dispatched; cancelled items excluded), over all runs. */
  eventsProcessed = 0;
  /** Items put on the queue (callbacks, timeouts, triggered events, process starts). */
  eventsScheduled = 0;
  /** The process currently executing, or null. */
  activeProcess: Process<unknown> | null = null;
  private readonly q: CalendarQueue;
  private stopRequested = false;
  private running = false;
  private readonly initEvent: SimEvent<undefined>;
  /** Queue slot of the timeout created last (see `_waitFast`), or -1. */
  private lastTimeoutSlot = -1;

  constructor(initialTimeS = 0) {
    if (!Number.isFinite(initialTimeS)) throw new RangeError('initial time must be finite');
    this._now = initialTimeS;
    this.q = new CalendarQueue();
    this.initEvent = new SimEvent<undefined>(this);
    this.initEvent._state = PROCESSED;
  }

  /** Current simulated time in seconds. */
  get now(): number {
    return this._now;
  }

  /** Number of live items in the queue. */
  get pending(): number {
    return this.q.size;
  }

  /** Call `callback(arg)` after `delayS` seconds; returns a handle for `cancel`. */
  schedule<A>(delayS: number, callback: (arg: A) => void, arg?: A): number {
    if (!(delayS >= 0) || delayS === Infinity) throw new RangeError(`invalid delay ${delayS}`);
    this.eventsScheduled++;
    return this.q.push(this._now + delayS, K_CALLBACK, callback, arg);
  }

  /** Call `callback(arg)` at absolute time `timeS` (>= now). */
  scheduleAt<A>(timeS: number, callback: (arg: A) => void, arg?: A): number {
    return this.schedule(timeS - this._now, callback, arg);
  }

  /** Cancel a scheduled callback; false if it already ran or was cancelled. */
  cancel(handle: number): boolean {
    return this.q.cancel(handle);
  }

  /** Time of the next live item, or Infinity if none. */
  peekTime(): number {
    return this.q.peekTime();
  }

  /** Ask a running `run()` to return ('stopped') after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  /** A new pending event. */
  event<T = unknown>(): SimEvent<T> {
    return new SimEvent<T>(this);
  }

  /** An event that succeeds with `value` after `delayS` seconds. */
  timeout(delayS: number): SimEvent<undefined>;
  timeout<T>(delayS: number, value: T): SimEvent<T>;
  timeout<T>(delayS: number, value?: T): SimEvent<T | undefined> {
    if (!(delayS >= 0) || delayS === Infinity) throw new RangeError(`invalid delay ${delayS}`);
    const ev = new SimEvent<T | undefined>(this);
    ev._state = TRIGGERED;
    ev._value = value;
    this.eventsScheduled++;
    this.lastTimeoutSlot = this.q.pushSlot(this._now + delayS, K_EVENT, ev, undefined);
    return ev;
  }

  /** Start a process from a generator (or a generator function); it starts at the current time. */
  process<R>(gen: ProcessGenerator<R> | (() => ProcessGenerator<R>)): Process<R> {
    const g = typeof gen === 'function' ? gen() : gen;
    // SimPy's Process checks for a generator too (test_start_non_process): fail here, with a
    // message, rather than with a TypeError from inside the first resume.
    if (typeof (g as Partial<ProcessGenerator<R>> | null)?.next !== 'function' || typeof g.throw !== 'function') {
      throw new TypeError('env.process needs a generator or a generator function (function*)');
    }
    const p = new Process<R>(this, g);
    this.eventsScheduled++;
    this.q.push(this._now, K_START, p, undefined);
    return p;
  }

  /**
   * Succeeds with all values (in input order) once every event has succeeded; fails with the
   * first failure (which it thereby handles). An empty list succeeds at once.
   */
  allOf<T>(events: readonly SimEvent<T>[]): SimEvent<T[]> {
    const cond = new SimEvent<T[]>(this);
    const list = events.slice();
    let remaining = list.length;
    if (remaining === 0) return cond.succeed([]);
    const check = (ev: SimEvent<T>): void => {
      if (cond._state !== PENDING) return;
      if (!ev._ok) {
        ev._defused = true;
        cond.fail(ev._error);
        detachCheck(list, check);
      } else if (--remaining === 0) {
        cond.succeed(list.map((e) => e._value as T));
      }
    };
    this.attachAll(list, check);
    return cond;
  }

  /**
   * Succeeds with `{ index, event, value }` of the first event to be processed; fails if that
   * event failed. Events processed after it are ignored (a later failure is not handled here).
   */
  anyOf<T>(events: readonly SimEvent<T>[]): SimEvent<AnyOfResult<T>> {
    if (events.length === 0) throw new RangeError('anyOf needs at least one event');
    const cond = new SimEvent<AnyOfResult<T>>(this);
    const list = events.slice();
    const check = (ev: SimEvent<T>): void => {
      if (cond._state !== PENDING) return;
      if (!ev._ok) {
        ev._defused = true;
        cond.fail(ev._error);
      } else {
        cond.succeed({ index: list.indexOf(ev), event: ev, value: ev._value as T });
      }
      detachCheck(list, check);
    };
    this.attachAll(list, check);
    return cond;
  }

  /**
   * Run until the queue is empty, or a stop condition holds. With `until`, the clock ends at
   * exactly `until` (items at time >= until stay queued for a later run).
   */
  run(opts: RunOptions = {}): StopReason {
    const until = opts.until ?? Infinity;
    const maxEvents = opts.maxEvents ?? Infinity;
    const stopWhen = opts.stopWhen;
    if (!(until >= this._now)) throw new RangeError(`until=${until} is before now=${this._now}`);
    if (this.running) throw new Error('run() called while the environment is already running');
    this.stopRequested = false;
    if (stopWhen !== undefined && stopWhen()) return 'stopWhen';
    if (maxEvents <= 0) return 'maxEvents';
    this.running = true;
    try {
      return this.loop(until, maxEvents, stopWhen);
    } finally {
      this.running = false;
    }
  }

  private loop(until: number, maxEvents: number, stopWhen: (() => boolean) | undefined): StopReason {
    const q = this.q;
    let count = 0;
    for (;;) {
      const slot = q.popBefore(until);
      if (slot < 0) {
        if (until === Infinity) return 'empty';
        this._now = until;
        return 'until';
      }
      this.dispatch(slot);
      count++;
      if (this.stopRequested) {
        this.stopRequested = false;
        return 'stopped';
      }
      if (stopWhen !== undefined && stopWhen()) return 'stopWhen';
      if (count >= maxEvents) return 'maxEvents';
    }
  }

  /** Process one event (skipping cancelled items); false if the queue was empty. */
  step(): boolean {
    if (this.running) throw new Error('step() called while the environment is running');
    const slot = this.q.pop();
    if (slot < 0) return false;
    this.dispatch(slot);
    return true;
  }

  private dispatch(slot: number): void {
    const q = this.q;
    this._now = q.lastTime;
    const kind = q.kind[slot];
    const target = q.target[slot];
    const arg = q.arg[slot];
    q.release(slot);
    this.eventsProcessed++;
    switch (kind) {
      case K_RESUME: {
        const ev = target as SimEvent<unknown>;
        const p = arg as Process<unknown>;
        ev._state = PROCESSED;
        if (p._fastSlot === slot) {
          p._fastSlot = -1;
          p._resume(ev);
        }
        // Waiters attached after the process (all of them if it was interrupted), and the
        // unhandled-failure check.
        if (ev._w0 !== null || ev._ws !== null || !ev._ok) ev._process();
        break;
      }
      case K_EVENT:
        (target as SimEvent<unknown>)._process();
        break;
      case K_CALLBACK:
        (target as (a: unknown) => void)(arg);
        break;
      case K_START:
        (target as Process<unknown>)._resume(this.initEvent);
        break;
      case K_INTERRUPT:
        (target as Process<unknown>)._deliverInterrupt(arg as SimEvent<unknown>);
        break;
    }
  }

  private attachAll<T>(list: SimEvent<T>[], check: (ev: SimEvent<T>) => void): void {
    for (const ev of list) {
      if (!(ev instanceof SimEvent) || ev.env !== this) {
        throw new TypeError('condition events must be events of this environment');
      }
    }
    for (const ev of list) {
      if (ev._state === PROCESSED) check(ev);
      else ev._addWaiter(check as Waiter);
    }
  }

  /**
   * @internal Fast path of `Process._resume` for `yield env.timeout(d)`: if `yielded` is the
   * event of the last timeout's queue item, still queued, and nobody waits on it yet, turn that
   * item into a K_RESUME item that resumes `p` directly when it fires: no waiter entry, no
   * callback dispatch, and no pointer from the (long-lived) process to the (young) event, whose
   * write barrier costs more than the rest. The process is then exactly the event's first
   * waiter, so the order of resumptions is unchanged; the event is still marked processed and
   * runs any waiters attached later. Returns false (use the general path) otherwise.
   */
  _waitFast(p: Process<unknown>, yielded: unknown): boolean {
    const slot = this.lastTimeoutSlot;
    const q = this.q;
    // A slot holds its item until popped, so `target[slot] === yielded` with kind K_EVENT means
    // that `yielded` is an event of this environment still in the queue (an event is queued
    // at most once, so a reused slot cannot hold it again).
    if (slot < 0 || q.target[slot] !== yielded || q.kind[slot] !== K_EVENT) return false;
    const ev = yielded as SimEvent<unknown>;
    if (ev._w0 !== null || ev._ws !== null) return false;
    this.lastTimeoutSlot = -1;
    q.kind[slot] = K_RESUME;
    q.arg[slot] = p;
    p._target = null;
    p._fastSlot = slot;
    return true;
  }

  /** @internal The event of a queued K_RESUME item (for `Process.target`). */
  _slotEvent(slot: number): SimEvent<unknown> {
    return this.q.target[slot] as SimEvent<unknown>;
  }

  /** @internal */
  _enqueue(ev: SimEvent<unknown>, delayS: number): void {
    this.eventsScheduled++;
    this.q.push(this._now + delayS, K_EVENT, ev, undefined);
  }

  /** @internal */
  _enqueueCallback(cb: EventCallback<unknown>, ev: SimEvent<unknown>): void {
    this.eventsScheduled++;
    this.q.push(this._now, K_CALLBACK, cb, ev);
  }

  /** @internal */
  _enqueueInterrupt(p: Process<unknown>, ev: SimEvent<unknown>): void {
    this.eventsScheduled++;
    this.q.push(this._now, K_INTERRUPT, p, ev);
  }

  /** @internal A failed, defused, already-processed event (used to throw into a generator). */
  _failedEvent(error: unknown): SimEvent<never> {
    const ev = new SimEvent<never>(this);
    ev._state = PROCESSED;
    ev._ok = false;
    ev._error = error;
    ev._defused = true;
    return ev;
  }
}
