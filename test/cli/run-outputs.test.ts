/**
 * `airtune run` and its output folder: names that are not a plain folder name, unwritable --out
 * found before simulating, a reused --out, --set / --rounds, meta.json's provenance, the same bytes
 * from another working folder, and spreadsheet-safe CSVs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { runCli } from '../helpers/io.js';

/** Counts simulations, to check that output-folder problems stop the command before any. */
const simulated = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/simulation/scenario.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../src/simulation/scenario.js')>();
  return {
    ...mod,
    runScenario: (...args: Parameters<typeof mod.runScenario>) => {
      simulated.count++;
      return mod.runScenario(...args);
    },
  };
});

afterEach(() => vi.restoreAllMocks());

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'airtune-run-out-'));
chmodSync(dir, 0o755); // readable by the unprivileged child of the read-only test
const SCENARIO = `name: outtest
seed: 3
rounds: 2
clients: { count: 2, compute: 1 TFLOP/s }
network: { type: fixed, uplinkRate: 10 Mb/s, downlinkRate: 10 Mb/s }
model: { workload: { flops: 1 TFLOP, upload: 1 MB, download: 1 MB } }
methods: [fedavg, { id: fedavg, label: second }]
`;
const good = join(dir, 'good.yaml');
writeFileSync(good, SCENARIO);

function scenario(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const cli = runCli;

const read = (p: string) => readFileSync(p, 'utf8');
const csv = (p: string) => parse(read(p), { columns: true }) as Record<string, string>[];
const meta = (out: string) => JSON.parse(read(join(out, 'meta.json'))) as Record<string, unknown>;

/** Run in another working folder, then come back. */
async function inFolder<T>(cwd: string, f: () => Promise<T>): Promise<T> {
  const back = process.cwd();
  process.chdir(cwd);
  try {
    return await f();
  } finally {
    process.chdir(back);
  }
}

describe('output folder from the scenario name', () => {
  it('defect: name ".." is exit 2 instead of writing the results into the folder above output/', async () => {
    const work = mkdtempSync(join(dir, 'cwd-'));
    const f = scenario('dotdot.yaml', SCENARIO.replace('name: outtest', 'name: ".."'));
    const before = simulated.count;
    const r = await inFolder(work, () => cli('run', f, '--quiet'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 1, name: expected a name starting with a letter, digit or "_" .*"\." and "\.\." would put the outputs outside output\/<name>\/.*found "\.\."/);
    expect(simulated.count).toBe(before);
    expect(readdirSync(work)).toEqual([]);
  });

  it('defect: name "." is exit 2 instead of writing into output/ itself', async () => {
    const work = mkdtempSync(join(dir, 'cwd-'));
    const f = scenario('dot.yaml', SCENARIO.replace('name: outtest', 'name: "."'));
    const r = await inFolder(work, () => cli('run', f, '--quiet'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/name: .*found "\."/);
    expect(readdirSync(work)).toEqual([]);
    expect((await cli('validate', f)).code).toBe(2);
  });

  it('defect: a 300-character name is exit 2 naming the limit, not ENAMETOOLONG with exit 1', async () => {
    const f = scenario('long.yaml', SCENARIO.replace('name: outtest', `name: ${'n'.repeat(300)}`));
    const r = await cli('run', f, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/name: expected a name of at most 100 characters .*\(300 characters\)/);
    expect(r.err).not.toMatch(/ENAMETOOLONG|\n\s+at /);
  });

  it('names with a path separator, a leading dot or dash are exit 2; a plain name of 100 characters runs', async () => {
    for (const name of ['a/b', '"a\\\\b"', '.hidden', '-rf']) {
      const r = await cli('validate', scenario('bad-name.yaml', SCENARIO.replace('name: outtest', `name: ${name}`)));
      expect(r.code, name).toBe(2);
      expect(r.err).toMatch(/name: expected/);
    }
    const work = mkdtempSync(join(dir, 'cwd-'));
    const ok = scenario('ok-name.yaml', SCENARIO.replace('name: outtest', `name: ${'n'.repeat(100)}`));
    expect((await inFolder(work, () => cli('run', ok, '--quiet'))).code).toBe(0);
    expect(existsSync(join(work, 'output', 'n'.repeat(100), 'summary.csv'))).toBe(true);
  });
});

describe('an unwritable --out is found before simulating', () => {
  it('defect: --out naming a file is exit 2 before any simulation, with no stack', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const before = simulated.count;
    const r = await cli('run', good, '--out', file, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot write the outputs to ${file}: it is a file, not a folder`);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(simulated.count).toBe(before);
    expect(read(file)).toBe('x');
  });

  it('defect: --out under a file is exit 2 before any simulation', async () => {
    const file = join(dir, 'another-file');
    writeFileSync(file, 'x');
    const before = simulated.count;
    const r = await cli('run', good, '--out', join(file, 'sub', 'out'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file} is a file, not a folder`);
    expect(simulated.count).toBe(before);
  });

  it('defect: a read-only --out folder is exit 2 with a clear message and no stack (checked as an unprivileged user)', () => {
    // A folder the user may write in, holding a read-only one.
    const parent = join(dir, 'writable');
    mkdirSync(parent);
    chmodSync(parent, 0o777);
    const ro = join(parent, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    // root may write anywhere, so the CLI runs as user "nobody" when this test runs as root.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    // (one child: starting the CLI under tsx takes seconds; a path below the folder takes the same check)
    for (const out of [ro]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'run', good, '--out', out, '--quiet'], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, HOME: dir },
        ...asUser,
      });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`airtune: cannot write the outputs to ${out}: cannot create files in ${ro}: permission denied (a read-only folder?); choose another folder with --out`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(ro)).toEqual([]);
    }
  });

  it('an --out that would contain the scenario file or the working folder is exit 2', async () => {
    let r = await cli('run', good, '--out', dir, '--quiet', '--force');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`it contains ${good}`);
    const work = mkdtempSync(join(dir, 'cwd-'));
    r = await inFolder(work, () => cli('run', good, '--out', '.', '--quiet', '--force'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/it contains .*cwd-/);
  });
});

describe('a reused --out', () => {
  it("defect: a reused --out keeps airtune's stale files from an earlier run (a chart of methods no longer run)", async () => {
    const out = join(dir, 'reused');
    expect((await cli('run', good, '--out', out, '--quiet')).code).toBe(0);
    expect(existsSync(join(out, 'time_by_method.svg'))).toBe(true); // drawn for two methods or more
    writeFileSync(join(out, '.rounds.csv.4242.tmp'), 'left by a killed run of an older airtune');
    expect((await cli('run', good, '--out', out, '--quiet', '--methods', 'second')).code).toBe(0);
    expect(existsSync(join(out, 'time_by_method.svg'))).toBe(false);
    expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(new Set(csv(join(out, 'rounds.csv')).map((r) => r.method))).toEqual(new Set(['second']));
    expect(readdirSync(dirname(out)).filter((n) => n.includes('airtune-'))).toEqual([]);
  });

  it('a folder written by an airtune from before output manifests is recognised by its meta.json', async () => {
    const out = join(dir, 'legacy');
    expect((await cli('run', good, '--out', out, '--quiet')).code).toBe(0);
    // What 0.1.0 wrote: no manifest, no at_time.csv (new in 0.2's stop rules and comparisons), no
    // charts of clients.csv and no .vl.json specs (new with issue 15).
    const legacy = ['rounds.csv', 'clients.csv', 'summary.csv', 'meta.json', 'report.html', 'loss_vs_time.svg', 'round_latency.svg', 'bytes_per_round.svg', 'time_by_method.svg'];
    for (const f of readdirSync(out)) if (!legacy.includes(f)) rmSync(join(out, f));
    expect((await cli('run', good, '--out', out, '--quiet')).code).toBe(0);
    // Without an airtune meta.json, the same names are not assumed to be airtune's.
    for (const f of readdirSync(out)) if (!legacy.includes(f)) rmSync(join(out, f));
    writeFileSync(join(out, 'meta.json'), '{}');
    const r = await cli('run', good, '--out', out, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds \d+ entries airtune did not write: .*meta\.json/);
  });

  it('files airtune did not write stop the run before simulating (exit 2, named); --force replaces them', async () => {
    const out = join(dir, 'foreign');
    expect((await cli('run', good, '--out', out, '--quiet')).code).toBe(0);
    writeFileSync(join(out, 'my-notes.txt'), 'mine');
    mkdirSync(join(out, 'plots'));
    const before = simulated.count;
    const r = await cli('run', good, '--out', out, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${out} holds 2 entries airtune did not write: my-notes.txt, plots.`);
    expect(r.err).toContain('--force');
    expect(simulated.count).toBe(before);
    expect(read(join(out, 'my-notes.txt'))).toBe('mine');
    expect((await cli('run', good, '--out', out, '--quiet', '--force')).code).toBe(0);
    expect(existsSync(join(out, 'my-notes.txt'))).toBe(false);
    expect(existsSync(join(out, 'summary.csv'))).toBe(true);
  });
});

describe('run --set and --rounds', () => {
  it('--set overrides a field through the sweep setter and is recorded in meta.json', async () => {
    const out = join(dir, 'set');
    const r = await cli('run', good, '--out', out, '--quiet', '--set', 'clients.count=3', '--set', 'network.downlinkRate=40 Mb/s');
    expect(r.code, r.err).toBe(0);
    const rounds = csv(join(out, 'rounds.csv'));
    expect(rounds.every((x) => x.participants === '3')).toBe(true);
    expect(new Set(csv(join(out, 'clients.csv')).map((x) => x.client))).toEqual(new Set(['0', '1', '2']));
    expect(meta(out).overrides).toEqual({ 'clients.count': '3', 'network.downlinkRate': '40 Mb/s' });
    // 1 MB down at 40 Mb/s takes 0.2 s, at the file's 10 Mb/s 0.8 s: the override reached the clock.
    const base = join(dir, 'set-base');
    expect((await cli('run', good, '--out', base, '--quiet', '--set', 'clients.count=3')).code).toBe(0);
    const lat = (o: string) => Number(csv(join(o, 'clients.csv')).find((x) => x.method === 'fedavg' && x.client === '0' && x.round === '1')!.t_download_s);
    expect(lat(out)).toBeCloseTo(0.2, 12);
    expect(lat(base)).toBeCloseTo(0.8, 12);
  });

  it('--set problems are exit 2 blamed on the --set, before simulating; one value per path', async () => {
    const before = simulated.count;
    let r = await cli('run', good, '--out', join(dir, 'set-bad'), '--quiet', '--set', 'clients.count=0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--set clients\.count=0: clients\.count: expected a value .*found number 0/);
    r = await cli('run', good, '--out', join(dir, 'set-bad'), '--quiet', '--set', 'seed=1,2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--set seed: run takes one value per path, found 2 \(1, 2\); use airtune sweep/);
    r = await cli('run', good, '--out', join(dir, 'set-bad'), '--quiet', '--set', 'clients.count');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/expected path=value/);
    expect(simulated.count).toBe(before);
    expect(existsSync(join(dir, 'set-bad'))).toBe(false);
  });

  it('--rounds N sets the number of rounds (through --set rounds=N)', async () => {
    const out = join(dir, 'rounds');
    expect((await cli('run', good, '--out', out, '--quiet', '--rounds', '5')).code).toBe(0);
    const rounds = csv(join(out, 'rounds.csv')).filter((x) => x.method === 'fedavg');
    expect(rounds.map((x) => x.round)).toEqual(['1', '2', '3', '4', '5']);
    expect((meta(out).stop_rules as Record<string, { rounds?: number }>).fedavg!.rounds).toBe(5);
    expect(meta(out).overrides).toEqual({ rounds: '5' });
    let r = await cli('run', good, '--out', out, '--quiet', '--rounds', '0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/expected a positive integer, found "0"/);
    r = await cli('run', good, '--out', out, '--quiet', '--rounds', '3', '--set', 'rounds=4');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--rounds and --set rounds=\.\.\. are both given/);
  });
});

describe('meta.json provenance and determinism', () => {
  it('records the full Node version, OS, CPU, airtune version, git commit and the command line (relative paths)', async () => {
    const work = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(work, 's.yaml'), SCENARIO);
    expect((await inFolder(work, () => cli('run', 's.yaml', '--out', join(work, 'o'), '--quiet', '--seed', '4'))).code).toBe(0);
    const m = meta(join(work, 'o'));
    const env = m.environment as Record<string, unknown>;
    expect(env.node).toBe(process.version);
    expect(env.os).toMatch(new RegExp(`^\\S+ \\S+ ${process.arch}$`));
    expect(typeof env.cpu === 'string' || env.cpu === null).toBe(true);
    expect(env.airtune).toBe(JSON.parse(read(join(repo, 'package.json'))).version);
    const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' });
    if (git.status === 0) expect(env.git_commit).toBe(git.stdout.trim());
    else expect(env.git_commit === null || /^[0-9a-f]{40}$/.test(String(env.git_commit))).toBe(true);
    expect(m.command).toEqual(['airtune', 'run', 's.yaml', '--out', 'o', '--quiet', '--seed', '4']);
    expect(m.scenario_file).toBe('s.yaml');
    expect(m.seed).toBe(4);
    expect(read(join(work, 'o', 'report.html'))).not.toContain('--quiet');
  });

  it('defect: meta.json and report.html recorded the scenario path as typed; now the same bytes from any working folder', async () => {
    const a = join(dir, 'from-a');
    const b = join(dir, 'from-b');
    const sub = mkdtempSync(join(dir, 'cwd-'));
    expect((await inFolder(dir, () => cli('run', 'good.yaml', '--out', a, '--quiet'))).code).toBe(0);
    expect((await inFolder(sub, () => cli('run', join('..', 'good.yaml'), '--out', b, '--quiet'))).code).toBe(0);
    const files = readdirSync(a).sort();
    expect(readdirSync(b).sort()).toEqual(files);
    for (const f of files) {
      if (f === 'meta.json') {
        // Only `command` says how airtune was called (README, Outputs); the rest is the same bytes.
        const { command: ca, ...ma } = meta(a);
        const { command: cb, ...mb } = meta(b);
        expect(JSON.stringify(mb)).toBe(JSON.stringify(ma));
        expect(ca).not.toEqual(cb);
      } else expect(read(join(b, f)), f).toBe(read(join(a, f)));
    }
    expect(meta(a).scenario_file).toBe('good.yaml');
  });

  it('a scenario inside a git work tree is recorded relative to its root', async () => {
    const out = join(dir, 'in-repo');
    const shipped = join(repo, 'scenarios', 'cell-20-clients.yaml');
    expect((await cli('run', shipped, '--out', out, '--quiet', '--methods', 'fedlora', '--rounds', '1')).code).toBe(0);
    expect(meta(out).scenario_file).toBe('scenarios/cell-20-clients.yaml');
  });
});

describe('CSV cells that a spreadsheet would run', () => {
  it('defect: a label starting with =, +, - or @ went into the CSVs unchanged; now prefixed with a quote, numbers untouched', async () => {
    const f = scenario(
      'inject.yaml',
      `name: inject
seed: 5
rounds: 2
clients: { count: 4, compute: 1 TFLOP/s, placement: { disc: { radius: 300 m } } }
network: { type: wireless, cellRadius: 300 m, bandwidth: 20 MHz, shadowing: { sigma: 8 dB } }
model: { workload: { flops: 1 TFLOP, upload: 1 MB, download: 1 MB } }
methods:
  - { id: fedavg, label: '=HYPERLINK("http://evil.example","x")' }
  - { id: fedavg, label: "@SUM(A1)" }
  - { id: fedavg, label: "+A1*2" }
  - { id: fedavg, label: "-2+3" }
`,
    );
    const out = join(dir, 'inject');
    expect((await cli('run', f, '--out', out, '--quiet')).code).toBe(0);
    const labels = ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)", "'+A1*2", "'-2+3"];
    for (const file of ['rounds.csv', 'clients.csv', 'summary.csv']) {
      expect([...new Set(csv(join(out, file)).map((r) => r.method))], file).toEqual(labels);
    }
    // Negative numbers stay numbers: shadowing in dB is negative for some clients.
    const shadowing = csv(join(out, 'clients.csv')).map((r) => r.shadowing_db!);
    expect(shadowing.some((s) => s.startsWith('-'))).toBe(true);
    expect(shadowing.every((s) => Number.isFinite(Number(s)))).toBe(true);
  });
});
