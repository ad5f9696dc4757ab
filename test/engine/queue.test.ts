import { describe, expect, it } from 'vitest';
import { CalendarQueue } from '../../src/engine/calendar.js';
import { RandomStream } from '../../src/random/index.js';

/** Drain the queue, returning the targets in pop order. */
function drain(q: CalendarQueue): unknown[] {
  const out: unknown[] = [];
  for (;;) {
    const slot = q.pop();
    if (slot < 0) return out;
    out.push(q.target[slot]);
    q.release(slot);
  }
}

const make = (cap: number): CalendarQueue => new CalendarQueue(cap);

describe('calendar queue (checked against a sorted reference)', () => {
  it('pops by time, then by insertion order for equal times', () => {
    const q = make(16);
    q.push(2, 1, 'c', null);
    q.push(1, 1, 'a', null);
    q.push(2, 1, 'd', null);
    q.push(1, 1, 'b', null);
    q.push(0.5, 1, 'first', null);
    q.push(2, 1, 'e', null);
    expect(drain(q)).toEqual(['first', 'a', 'b', 'c', 'd', 'e']);
  });

  it('matches a reference sort under random pushes, pops, ties and cancels (with growth and compaction)', () => {
    const rng = RandomStream.of(7, 'test', 'queue');
    const q = make(16);
    // Reference: live items as [time, seq, id].
    const ref = new Map<number, [number, number, number]>();
    const handles = new Map<number, number>();
    let seq = 0;
    let now = 0;
    const popped: number[] = [];
    const expected: number[] = [];
    for (let step = 0; step < 40_000; step++) {
      const u = rng.uniform01();
      if (u < 0.5) {
        // Coarse times create many ties.
        const t = now + rng.int(20) * 0.25;
        const id = seq++;
        handles.set(id, q.push(t, 1, id, null));
        ref.set(id, [t, id, id]);
      } else if (u < 0.65 && ref.size > 0) {
        const keys = [...ref.keys()];
        const id = keys[rng.int(keys.length)]!;
        expect(q.cancel(handles.get(id)!)).toBe(true);
        expect(q.cancel(handles.get(id)!)).toBe(false); // second cancel is a no-op
        ref.delete(id);
      } else {
        const slot = q.pop();
        if (ref.size === 0) {
          expect(slot).toBe(-1);
          continue;
        }
        let best: [number, number, number] | undefined;
        for (const v of ref.values()) if (!best || v[0] < best[0] || (v[0] === best[0] && v[1] < best[1])) best = v;
        expected.push(best![2]);
        ref.delete(best![2]);
        popped.push(q.target[slot] as number);
        now = q.lastTime;
        expect(now).toBe(best![0]);
        const h = handles.get(best![2])!;
        q.release(slot);
        expect(q.cancel(h)).toBe(false); // stale handle of a fired item
      }
      expect(q.size).toBe(ref.size);
    }
    expect(popped).toEqual(expected);
    // Mass cancellation triggers compaction; the survivors still come out in order.
    const ids = [...ref.keys()];
    for (const id of ids.slice(0, Math.floor(ids.length * 0.9))) {
      q.cancel(handles.get(id)!);
      ref.delete(id);
    }
    for (let i = 0; i < 5000; i++) {
      const id = seq++;
      const t = now + 100 + rng.uniform01();
      const h = q.push(t, 1, id, null);
      ref.set(id, [t, id, id]);
      if (i % 10 !== 0) {
        q.cancel(h);
        ref.delete(id);
      }
    }
    const rest = [...ref.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((v) => v[2]);
    expect(q.peekTime()).toBe(ref.get(rest[0]!)![0]);
    expect(drain(q)).toEqual(rest);
    expect(q.size).toBe(0);
    expect(q.peekTime()).toBe(Infinity);
  });

  it('stays ordered and complete across growth, shrinkage and changing time scales', () => {
    const rng = RandomStream.of(11, 'test', 'queue-scales');
    const q = make(16);
    let now = 0;
    let lastSeq = -1;
    let pushed = 0;
    let popped = 0;
    // Phases: delay scale and target queue size change (1 us .. 1000 s; up to 5000 items).
    const phases: [number, number][] = [
      [1e-6, 50],
      [1, 5000],
      [1e3, 200],
      [1e-3, 3000],
      [1e-6, 0],
    ];
    for (const [scale, target] of phases) {
      for (let k = 0; k < 20_000; k++) {
        const grow = q.size < target ? 0.7 : 0.3;
        if (rng.uniform01() < grow) {
          // Mixture: mostly `scale`, sometimes 1000x longer (bimodal delays).
          const d = (rng.uniform01() < 0.9 ? 1 : 1000) * scale * rng.exponential(1);
          q.push(now + d, 1, pushed++, null);
        } else {
          const slot = q.pop();
          if (slot < 0) continue;
          const t = q.lastTime;
          const id = q.target[slot] as number;
          q.release(slot);
          // Non-decreasing (time, seq) order, with inserts never earlier than `now`, means
          // every pop returned the minimum.
          expect(t).toBeGreaterThanOrEqual(now);
          if (t === now) expect(id).toBeGreaterThan(lastSeq);
          now = t;
          lastSeq = id;
          popped++;
        }
      }
    }
    while (q.pop() >= 0) popped++;
    expect(popped).toBe(pushed);
  });
});

/** White-box view of a queue's per-slot generations (to fast-forward a slot's reuse count). */
const gens = (q: CalendarQueue): Int32Array => (q as unknown as { gen: Int32Array }).gen;

describe('stale handles after slot reuse', () => {
  it('fire, reschedule into the reused slot, cancel the old handle: the new item still fires', () => {
    const q = make(16);
    const a = q.push(1, 1, 'A', null);
    const s = q.pop();
    q.release(s);
    const b = q.push(2, 1, 'B', null);
    expect(q.cancel(a)).toBe(false);
    expect(drain(q)).toEqual(['B']);
    // Same with a cancelled (not fired) A, once its slot has been purged and reused.
    const c = q.push(3, 1, 'C', null);
    expect(q.cancel(c)).toBe(true);
    expect(q.peekTime()).toBe(Infinity); // purges C's slot
    q.push(4, 1, 'D', null);
    expect(q.cancel(c)).toBe(false);
    expect(q.cancel(b)).toBe(false);
    expect(drain(q)).toEqual(['D']);
  });

  it('a stale handle cannot cancel a newer item after its slot generation wraps (2^28 reuses)', () => {
    const q = make(16);
    const a = q.push(1, 1, 'A', null);
    const slot = q.pop();
    q.release(slot);
    // Fast-forward: the slot has been reused 2^28 - 1 times since A (a long run reuses the
    // same slot for every event: the free list is LIFO). One more reuse used to wrap the
    // generation to A's, so A's handle was issued again and cancelled the new item.
    gens(q)[slot] = 2 ** 28 - 1;
    q.push(1.5, 1, 'X', null);
    q.release(q.pop());
    const b = q.push(2, 1, 'B', null);
    expect(b).not.toBe(a);
    expect(q.cancel(a)).toBe(false);
    expect(drain(q)).toEqual(['B']);
  });

  it('a slot whose generations run out is retired, not reused, so no handle is issued twice', () => {
    const q = make(16);
    const first = q.push(1, 1, 'A', null);
    const slot = q.pop();
    q.release(slot);
    gens(q)[slot] = 2 ** 29 - 1; // the last generation of the default 2^29
    const last = q.push(1, 1, 'L', null);
    expect(last).toBe((2 ** 29 - 1) * 2 ** 24 + slot);
    expect(Number.isSafeInteger(last)).toBe(true);
    q.release(q.pop());
    expect(q.retired).toBe(1);
    const next = q.push(2, 1, 'N', null);
    expect(next % 2 ** 24).not.toBe(slot);
    expect(q.cancel(first)).toBe(false);
    expect(q.cancel(last)).toBe(false);
    expect(drain(q)).toEqual(['N']);
  });

  it('the handle of a popped item is stale before its slot is released', () => {
    const q = make(16);
    const a = q.push(1, 1, 'A', null);
    q.push(2, 1, 'B', null);
    const slot = q.pop();
    // The dispatcher reads the slot, then releases it; a cancel in between used to succeed and
    // count A out of the live items a second time.
    expect(q.cancel(a)).toBe(false);
    q.release(slot);
    expect(q.size).toBe(1);
    expect(drain(q)).toEqual(['B']);
  });

  it('randomized against a sorted reference, cancelling stale handles of fired and cancelled items (few generations per slot)', () => {
    const rng = RandomStream.of(13, 'test', 'queue-stale');
    // 3 generations per slot: slots are retired after 3 uses, so reuse, wrap-around and
    // retirement all happen thousands of times.
    const q = new CalendarQueue(16, 3);
    const live = new Map<number, { t: number; id: number; h: number }>();
    const stale: number[] = [];
    const issued = new Set<number>();
    let now = 0;
    let next = 0;
    const fail = (msg: string): never => {
      throw new Error(msg);
    };
    for (let step = 0; step < 12_000; step++) {
      const u = rng.uniform01();
      if (u < 0.45) {
        const id = next++;
        const t = now + rng.int(8) * 0.5;
        const h = q.push(t, 1, id, null);
        if (issued.has(h)) fail(`handle ${h} issued twice`);
        issued.add(h);
        live.set(id, { t, id, h });
      } else if (u < 0.6 && live.size > 0) {
        const ids = [...live.keys()];
        const e = live.get(ids[rng.int(ids.length)]!)!;
        if (!q.cancel(e.h)) fail(`live handle ${e.h} did not cancel`);
        live.delete(e.id);
        stale.push(e.h);
      } else if (u < 0.8 && stale.length > 0) {
        // A stale handle never cancels anything.
        const h = stale[rng.int(stale.length)]!;
        if (q.cancel(h)) fail(`stale handle ${h} cancelled an item (step ${step})`);
      } else {
        const slot = q.pop();
        if (live.size === 0) {
          if (slot !== -1) fail('pop from an empty queue');
          continue;
        }
        let best: { t: number; id: number; h: number } | undefined;
        for (const e of live.values()) if (!best || e.t < best.t || (e.t === best.t && e.id < best.id)) best = e;
        if (q.target[slot] !== best!.id || q.lastTime !== best!.t) fail(`step ${step}: popped ${String(q.target[slot])}, expected ${best!.id}`);
        now = best!.t;
        if (q.cancel(best!.h)) fail(`step ${step}: the handle of a popped item cancelled it`);
        q.release(slot);
        live.delete(best!.id);
        stale.push(best!.h);
      }
      if (q.size !== live.size) fail(`step ${step}: size ${q.size}, expected ${live.size}`);
    }
    expect(q.retired).toBeGreaterThan(500);
    const rest = [...live.values()].sort((x, y) => x.t - y.t || x.id - y.id).map((e) => e.id);
    for (const h of stale) expect(q.cancel(h)).toBe(false);
    expect(drain(q)).toEqual(rest);
  });
});
