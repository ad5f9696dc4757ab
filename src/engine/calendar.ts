/**
 * Calendar queue (R. Brown, "Calendar queues: a fast O(1) priority queue implementation for
 * the simulation event set problem", CACM 31(10), 1988): the future-event list used by the
 * Environment. Items come out by (time, insertion sequence number), so ties are FIFO and runs
 * are deterministic; O(1) expected per operation (a binary heap is O(log n)).
 *
 * Time is cut into buckets of width `w`; an item at time t has virtual bucket vb = floor(t/w)
 * and lives in bucket `vb mod nb`, in a list sorted by (time, sequence number). Because vb is
 * monotone in t, the earliest item is the head of the first bucket (scanning vb upwards from
 * the last dequeued one) whose head has vb <= the scanned vb. Ties keep insertion order since
 * equal times share a bucket and the list is sorted by sequence number among equal times.
 *
 * Storage is struct-of-arrays indexed by slot (no per-item objects). The bucket count doubles
 * or halves with the queue size, and the width is re-estimated from the earliest items
 * (3 x their mean separation, Brown's rule) on every resize, or when the average work per
 * operation shows that the width no longer fits the time scale of the events.
 *
 * A handle is `generation * SLOT_SPACE + slot`. A slot's generation is bumped the moment its
 * item stops being cancellable (popped, or cancelled), so a stale handle (item fired, cancelled,
 * or popped but not yet released) never matches the slot again. Generations never wrap: a slot
 * whose generation reaches `generations` (2^29 by default, the largest for which every handle is
 * a safe integer) is retired instead of being reused, so no handle is ever issued twice. (They
 * used to wrap at 2^28: after 2^28 reuses of one slot, which the LIFO free list makes the
 * common case in a long run, an old handle cancelled the unrelated newer item in that slot.)
 * Cancellation is lazy: the slot is marked CANCELLED, skipped when it reaches the front, and
 * purged by a rebuild when cancelled items dominate.
 */

/** Slot kind of a cancelled (or free) item. Kinds 1..255 are defined by the user. */
export const CANCELLED = 0;

const SLOT_SPACE = 2 ** 24;
/** Generations per slot: handles gen * 2^24 + slot stay below 2^53 (safe integers). */
const MAX_GENERATIONS = 2 ** 29;
const MIN_BUCKETS = 16;
/** How many of the earliest items are used to estimate the bucket width. */
const WIDTH_SAMPLE = 256;
/** Re-estimate the width when operations cost more than this many steps on average. */
const MAX_AVG_WORK = 12;

export class CalendarQueue {
  /** Kind of the item in each slot (CANCELLED = 0). Read by the dispatcher after `pop()`. */
  kind: Uint8Array;
  /** Target (callback, event, process) of each slot. */
  target: unknown[] = [];
  /** Extra argument of each slot. */
  arg: unknown[] = [];
  /** Time of the item returned by the last `pop()`. */
  lastTime = 0;
  /** Number of live (not cancelled) items. */
  live = 0;

  private gen: Int32Array;
  /** A slot whose generation reaches this is retired (never reused), see the header. */
  private readonly generations: number;
  /** Slots retired because their generations ran out. */
  retired = 0;
  private free: Int32Array;
  private freeTop = 0;
  private slotsUsed = 0;
  private nTime: Float64Array;
  private nSeq: Float64Array;
  private nNext: Int32Array;

  private nb = MIN_BUCKETS;
  private mask = MIN_BUCKETS - 1;
  private bHead: Int32Array;
  private bTail: Int32Array;
  private width = 1;
  private invW = 1;
  /** Virtual bucket where the search for the minimum starts; no item has a smaller vb. */
  private curVb = 0;
  /** Items linked in buckets, including cancelled ones. */
  private n = 0;
  private cancelledIn = 0;
  private seq = 0;
  private ops = 0;
  private work = 0;

  /**
   * @param generations handles per slot before the slot is retired; the default is the
   *   largest safe one. Tests pass a small value to reach retirement quickly.
   */
  constructor(initialCapacity = 1024, generations = MAX_GENERATIONS) {
    if (!Number.isInteger(generations) || generations < 2 || generations > MAX_GENERATIONS) {
      throw new RangeError(`generations must be an integer in [2, ${MAX_GENERATIONS}]`);
    }
    this.generations = generations;
    const cap = Math.max(16, initialCapacity | 0);
    this.kind = new Uint8Array(cap);
    this.gen = new Int32Array(cap);
    this.free = new Int32Array(cap);
    this.nTime = new Float64Array(cap);
    this.nSeq = new Float64Array(cap);
    this.nNext = new Int32Array(cap);
    this.bHead = new Int32Array(MIN_BUCKETS).fill(-1);
    this.bTail = new Int32Array(MIN_BUCKETS).fill(-1);
  }

  get size(): number {
    return this.live;
  }

  /** Insert an item; returns its handle. `kind` must be 1..255. */
  push(time: number, kind: number, target: unknown, arg: unknown): number {
    const slot = this.pushSlot(time, kind, target, arg);
    return this.gen[slot]! * SLOT_SPACE + slot;
  }

  /**
   * Like `push`, but returns the slot (no handle: the item cannot be cancelled). The slot holds
   * this item until it is popped; the owner may rewrite `kind/target/arg[slot]` until then.
   */
  pushSlot(time: number, kind: number, target: unknown, arg: unknown): number {
    let slot: number;
    if (this.freeTop > 0) {
      slot = this.free[--this.freeTop]!;
    } else {
      if (this.slotsUsed === this.kind.length) this.growSlots();
      slot = this.slotsUsed++;
    }
    this.kind[slot] = kind;
    this.target[slot] = target;
    this.arg[slot] = arg;
    this.nTime[slot] = time;
    this.nSeq[slot] = this.seq++;
    this.live++;
    if (this.n === 0) this.curVb = Infinity; // link() lowers it to this item's bucket
    this.n++;
    this.link(slot);
    if (this.n > 2 * this.nb) this.resize(this.nb * 2);
    return slot;
  }

  /** Cancel a pending item by handle. Returns false if it already fired or was cancelled. */
  cancel(handle: number): boolean {
    if (!Number.isInteger(handle) || handle < 0) return false;
    const slot = handle % SLOT_SPACE;
    const gen = (handle - slot) / SLOT_SPACE;
    if (slot >= this.slotsUsed || this.gen[slot] !== gen || this.kind[slot] === CANCELLED) {
      return false;
    }
    this.kind[slot] = CANCELLED;
    this.gen[slot] = this.gen[slot]! + 1; // the handle is now stale
    this.target[slot] = undefined;
    this.arg[slot] = undefined;
    this.live--;
    this.cancelledIn++;
    // Cancelled items stay linked until they reach the front; purge them when they dominate.
    if (this.cancelledIn > 1024 && this.cancelledIn * 2 > this.n) this.resize(this.nb);
    return true;
  }

  /** Time of the earliest live item, or Infinity when there is none. */
  peekTime(): number {
    for (;;) {
      const b = this.findMin();
      if (b < 0) return Infinity;
      const slot = this.bHead[b]!;
      if (this.kind[slot] !== CANCELLED) return this.nTime[slot]!;
      this.unlinkHead(b, slot);
      this.cancelledIn--;
      this.release(slot);
    }
  }

  /**
   * Remove the earliest live item and return its slot (or -1 when empty); its time is in
   * `lastTime`. The caller reads `kind/target/arg[slot]` and must then call `release(slot)`.
   */
  pop(): number {
    for (;;) {
      const b = this.findMin();
      if (b < 0) return -1;
      const slot = this.bHead[b]!;
      this.unlinkHead(b, slot);
      if (this.kind[slot] !== CANCELLED) {
        this.lastTime = this.nTime[slot]!;
        this.gen[slot] = this.gen[slot]! + 1; // popped: its handle is stale from now on, even before release()
        this.live--;
        if (++this.ops >= 2 * this.nb) this.checkShape();
        return slot;
      }
      this.cancelledIn--;
      this.release(slot);
    }
  }

  /**
   * Like `pop()`, but leaves the item queued and returns -2 if the earliest live item is at
   * time >= `limit` (returns -1 when empty). Saves a separate `peekTime()` in the run loop.
   */
  popBefore(limit: number): number {
    for (;;) {
      const b = this.findMin();
      if (b < 0) return -1;
      const slot = this.bHead[b]!;
      if (this.kind[slot] !== CANCELLED) {
        const t = this.nTime[slot]!;
        if (t >= limit) return -2;
        this.unlinkHead(b, slot);
        this.lastTime = t;
        this.gen[slot] = this.gen[slot]! + 1; // popped: its handle is stale from now on, even before release()
        this.live--;
        if (++this.ops >= 2 * this.nb) this.checkShape();
        return slot;
      }
      this.unlinkHead(b, slot);
      this.cancelledIn--;
      this.release(slot);
    }
  }

  /**
   * Return a popped (or purged cancelled) slot to the free list. Its handle was already made
   * stale by `pop`/`cancel`; a slot out of generations is retired instead of reused.
   */
  release(slot: number): void {
    this.target[slot] = undefined;
    this.arg[slot] = undefined;
    this.kind[slot] = CANCELLED;
    if (this.gen[slot]! < this.generations) this.free[this.freeTop++] = slot;
    else this.retired++;
  }

  private unlinkHead(b: number, slot: number): void {
    const next = this.nNext[slot]!;
    this.bHead[b] = next;
    if (next < 0) this.bTail[b] = -1;
    this.n--;
  }

  /** Link `slot` into its bucket, keeping the list sorted by (time, seq). */
  private link(slot: number): void {
    const nTime = this.nTime;
    const nSeq = this.nSeq;
    const nNext = this.nNext;
    const t = nTime[slot]!;
    const s = nSeq[slot]!;
    const vb = Math.floor(t * this.invW);
    if (vb < this.curVb) this.curVb = vb;
    const b = vb & this.mask; // ToInt32 is exact modulo 2^32, and nb divides 2^32
    const head = this.bHead[b]!;
    if (head < 0) {
      this.bHead[b] = slot;
      this.bTail[b] = slot;
      nNext[slot] = -1;
      return;
    }
    const tail = this.bTail[b]!;
    const tt = nTime[tail]!;
    if (tt < t || (tt === t && nSeq[tail]! < s)) {
      nNext[tail] = slot;
      nNext[slot] = -1;
      this.bTail[b] = slot;
      return;
    }
    const ht = nTime[head]!;
    if (t < ht || (t === ht && s < nSeq[head]!)) {
      nNext[slot] = head;
      this.bHead[b] = slot;
      return;
    }
    let prev = head;
    let cur = nNext[head]!;
    let steps = 1;
    for (;;) {
      // cur >= 0 here: the tail is after the new item.
      const ct = nTime[cur]!;
      if (t < ct || (t === ct && s < nSeq[cur]!)) break;
      prev = cur;
      cur = nNext[cur]!;
      steps++;
    }
    nNext[prev] = slot;
    nNext[slot] = cur;
    this.work += steps;
  }

  /** Bucket holding the earliest item (its head), or -1 if empty. Updates curVb. */
  private findMin(): number {
    if (this.n === 0) return -1;
    const bHead = this.bHead;
    const nTime = this.nTime;
    const invW = this.invW;
    const mask = this.mask;
    let vb = this.curVb;
    for (let i = 0; i < this.nb; i++, vb++) {
      const h = bHead[vb & mask]!;
      if (h >= 0 && Math.floor(nTime[h]! * invW) <= vb) {
        this.curVb = vb;
        this.work += i;
        return vb & mask;
      }
    }
    // A whole year without an item: the queue is sparse here; find the minimum directly.
    this.work += this.nb;
    const nSeq = this.nSeq;
    let best = -1;
    let bt = Infinity;
    let bs = Infinity;
    for (let b = 0; b < this.nb; b++) {
      const h = bHead[b]!;
      if (h < 0) continue;
      const t = nTime[h]!;
      if (t < bt || (t === bt && nSeq[h]! < bs)) {
        best = b;
        bt = t;
        bs = nSeq[h]!;
      }
    }
    this.curVb = Math.floor(bt * invW);
    return best;
  }

  /** Shrink when mostly empty, and re-estimate the width if operations have become slow. */
  private checkShape(): void {
    const avg = this.work / this.ops;
    this.ops = 0;
    this.work = 0;
    if (this.n * 2 < this.nb && this.nb > MIN_BUCKETS) this.resize(this.nb / 2);
    else if (avg > MAX_AVG_WORK) this.resize(this.nb);
  }

  /** Rebuild with `nb` buckets and a freshly estimated width; drops cancelled items. */
  private resize(nb: number): void {
    // Collect live items.
    const slots = new Int32Array(this.n);
    let m = 0;
    for (let b = 0; b < this.nb; b++) {
      for (let s = this.bHead[b]!; s >= 0; s = this.nNext[s]!) {
        if (this.kind[s] === CANCELLED) this.release(s);
        else slots[m++] = s;
      }
    }
    this.cancelledIn = 0;
    this.n = m;
    this.nb = Math.max(MIN_BUCKETS, nb);
    this.mask = this.nb - 1;
    this.bHead = new Int32Array(this.nb).fill(-1);
    this.bTail = new Int32Array(this.nb).fill(-1);
    this.estimateWidth(slots.subarray(0, m));
    this.ops = 0;
    this.work = 0;
    this.curVb = Infinity;
    for (let i = 0; i < m; i++) this.link(slots[i]!);
    if (m === 0) this.curVb = 0;
    this.work = 0;
  }

  /** Brown's rule: 3 x mean separation of the earliest items, ignoring separations > 2x mean. */
  private estimateWidth(slots: Int32Array): void {
    const m = slots.length;
    if (m < 2) return;
    const times = new Float64Array(m);
    for (let i = 0; i < m; i++) times[i] = this.nTime[slots[i]!]!;
    times.sort();
    const k = Math.min(m, WIDTH_SAMPLE);
    const span = times[k - 1]! - times[0]!;
    if (!(span > 0)) return; // all ties: keep the current width
    const mean = span / (k - 1);
    let sum = 0;
    let cnt = 0;
    for (let i = 1; i < k; i++) {
      const gap = times[i]! - times[i - 1]!;
      if (gap <= 2 * mean) {
        sum += gap;
        cnt++;
      }
    }
    let w = 3 * (sum > 0 ? sum / cnt : mean);
    // Keep floor(t / w) well inside exact double integers for the largest time.
    const tMax = Math.max(Math.abs(times[0]!), Math.abs(times[m - 1]!), 1);
    w = Math.max(w, tMax * 2 ** -40);
    this.width = w;
    this.invW = 1 / w;
  }

  private growSlots(): void {
    const cap = this.kind.length * 2;
    if (cap > SLOT_SPACE) {
      throw new RangeError(`event queue: more than ${SLOT_SPACE} items scheduled at once`);
    }
    const grow = <A extends Uint8Array | Int32Array | Float64Array>(a: A, make: (n: number) => A): A => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.kind = grow(this.kind, (n) => new Uint8Array(n));
    this.gen = grow(this.gen, (n) => new Int32Array(n));
    this.free = grow(this.free, (n) => new Int32Array(n));
    this.nTime = grow(this.nTime, (n) => new Float64Array(n));
    this.nSeq = grow(this.nSeq, (n) => new Float64Array(n));
    this.nNext = grow(this.nNext, (n) => new Int32Array(n));
  }
}
