/**
 * Progress on stderr (src/progress/progress.ts) in its three modes, on a fake clock and a fake
 * stream (no timing assertions: the clock is driven by the test), and through `airtune run`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { formatDuration, HEARTBEAT_MS, Progress, progressMode, runFraction, type Clock } from '../../src/progress/progress.js';
import { runCommand } from '../../src/cli/run.js';

function fakeClock(startMs = 0): Clock & { t: number } {
  return { t: startMs, now() { return this.t; } };
}

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (s: string) => void chunks.push(s), text: () => chunks.join('') };
}

describe('progress modes', () => {
  it('picks terminal on a TTY, heartbeat elsewhere, quiet when asked', () => {
    expect(progressMode({ isTTY: true, write: () => 0 })).toBe('terminal');
    expect(progressMode({ write: () => 0 })).toBe('heartbeat');
    expect(progressMode({ isTTY: true, write: () => 0 }, true)).toBe('quiet');
  });

  it('terminal: one line redrawn in place with elapsed time and ETA, at most every 200 ms, ended by a newline', () => {
    const clock = fakeClock(1000);
    const stream = fakeStream(true);
    const p = new Progress('airtune run q', { mode: 'terminal', stream, clock });
    p.report(0, 'fedavg round 0');
    expect(stream.chunks).toEqual(['\rairtune run q: 0% | fedavg round 0 | elapsed 0s | ETA ?']);
    clock.t += 100;
    p.report(0.1, 'fedavg round 1');
    expect(stream.chunks).toHaveLength(1); // throttled
    clock.t += 59_900; // 60 s in, a quarter done: 180 s to go
    p.report(0.25, 'fedavg round 5');
    expect(stream.chunks[1]).toBe('\rairtune run q: 25% | fedavg round 5 | elapsed 1m00s | ETA 3m00s');
    clock.t += 3_600_000;
    p.report(0.5, 'fedlora round 1');
    expect(stream.chunks[2]).toBe('\rairtune run q: 50% | fedlora round 1 | elapsed 1h01m | ETA 1h01m');
    p.done('2 methods');
    // The shorter final line is padded with spaces over the end of the longer one before it.
    expect(stream.chunks[3]).toBe(`\rairtune run q: 100% | 2 methods | elapsed 1h01m | ETA 0s${' '.repeat(8)}`);
    expect(stream.chunks[4]).toBe('\n');
  });

  it('heartbeat: a full line every 30 s of the clock while the work reports, nothing in between, nothing at the end', () => {
    const clock = fakeClock();
    const stream = fakeStream(false);
    const p = new Progress('airtune sweep s.yaml', { mode: 'heartbeat', stream, clock });
    for (let s = 0; s <= 95; s += 5) {
      clock.t = s * 1000;
      p.report(s / 200, `${s / 5}/40 runs`);
    }
    // Reports every 5 s over 95 s: lines at 30, 60 and 90 s.
    expect(stream.chunks).toEqual([
      'airtune sweep s.yaml: 15% | 6/40 runs | elapsed 30s | ETA 2m50s\n',
      'airtune sweep s.yaml: 30% | 12/40 runs | elapsed 1m00s | ETA 2m20s\n',
      'airtune sweep s.yaml: 45% | 18/40 runs | elapsed 1m30s | ETA 1m50s\n',
    ]);
    p.done();
    p.clear();
    expect(stream.chunks).toHaveLength(3);
    expect(HEARTBEAT_MS).toBe(30_000);
  });

  it('quiet: writes nothing, whatever the clock does', () => {
    const clock = fakeClock();
    const stream = fakeStream(true);
    const p = new Progress('airtune calibrate q', { mode: 'quiet', stream, clock });
    for (let i = 0; i < 10; i++) {
      clock.t += 45_000;
      p.report(i / 10, `rho 0.2 round ${i}`);
    }
    p.clear();
    p.done();
    expect(stream.chunks).toEqual([]);
  });

  it('formats durations and a run of several methods capped by rounds or simulated time', () => {
    expect([formatDuration(0), formatDuration(59_400), formatDuration(61_000), formatDuration(7_260_000), formatDuration(2 * 86_400_000 + 3_600_000)]).toEqual([
      '0s', '59s', '1m01s', '2h01m', '2d01h',
    ]);
    const caps = [{ rounds: 10 }, { simTimeS: 3600 }, { rounds: 100, simTimeS: 100 }, {}];
    expect(runFraction(caps, 0, 5, 0)).toBe(0.125);
    expect(runFraction(caps, 1, 3, 1800)).toBe(0.375);
    expect(runFraction(caps, 2, 10, 50)).toBe(0.625); // simulated time nearer its cap than rounds
    expect(runFraction(caps, 3, 40, 1e9)).toBe(0.75); // no cap: no progress within the method
  });
});

describe('airtune run reports progress through the injected stream and clock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airtune-progress-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'p.yaml');
  writeFileSync(
    file,
    stringify({
      name: 'p',
      seed: 3,
      rounds: 4,
      clients: { count: 2, compute: '2 TFLOP/s', memory: '8 GB', txPower: '23 dBm' },
      network: { type: 'wireless', fading: 'none' },
      model: { workload: { flops: '1 TFLOP', upload: '1 MB', download: '1 MB' } },
      methods: ['fedavg', 'fedlora'],
    }),
  );
  // Every reading of the clock is 31 s after the previous one: each report is due a heartbeat.
  const ticking = (): Clock => {
    let t = 0;
    return { now: () => (t += 31_000) };
  };

  it.each([
    [false, false, 'heartbeat'],
    [true, false, 'terminal'],
    [false, true, 'quiet'],
  ] as const)('isTTY %s, quiet %s: %s', async (isTTY, quiet, mode) => {
    const stream = fakeStream(isTTY);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await runCommand(file, { out: join(dir, `out-${mode}`), quiet, progress: { stream, clock: ticking() } });
    } finally {
      vi.restoreAllMocks();
    }
    const text = stream.text();
    if (mode === 'quiet') expect(text).toBe('');
    else {
      expect(text).toContain('airtune run p: ');
      expect(text).toMatch(/fedlora round \d \(method 2\/2\) \| elapsed \d+m\d\ds \| ETA /);
      if (mode === 'heartbeat') {
        expect(text).not.toContain('\r');
        expect(text.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(8); // 2 methods x 4 rounds, each 31 s apart
      } else {
        expect(text.startsWith('\r')).toBe(true);
        expect(text).toMatch(/\| ETA 0s *\n$/);
      }
    }
  });
});
