/**
 * The package as a user gets it: `npm pack` (which runs `prepare`, building dist/ when it is
 * stale), the tarball installed into a temporary project holding examples/study, that project
 * type-checked by its own TypeScript (strict) and its scripts run. Offline: the temporary project
 * gets a lock file with the tarball and, for every other package, the entry of airtune's own
 * package-lock.json (the packages `npm ci` put in npm's cache), so `npm ci --prefer-offline`
 * needs no registry.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const EXAMPLE = join(REPO, 'examples', 'study');

interface LockEntry {
  version?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
type Packages = Record<string, LockEntry & Record<string, unknown>>;

/** The lock key node would find `name` at from the package at `from` ('' = the project). */
function resolveKey(packages: Packages, from: string, name: string): string | null {
  for (let base = from; ; ) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

/** Every lock entry reachable from `roots` (names depended on by the project), with their dependencies. */
function closure(packages: Packages, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (from: string, name: string) => {
    const key = resolveKey(packages, from, name);
    if (key === null || seen.has(key)) return;
    seen.add(key);
    const e = packages[key]!;
    for (const d of Object.keys({ ...e.dependencies, ...e.optionalDependencies, ...e.peerDependencies })) visit(key, d);
  };
  for (const r of roots) visit('', r);
  return seen;
}

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
}

function output(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status}\n${r.stdout}\n${r.stderr}`;
}

describe('the packed tarball, installed into the example project', () => {
  let dir: string;
  let tarball: string;
  let packed: { path: string }[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'airtune-pack-'));
    const pack = run('npm', ['pack', '--json', '--pack-destination', dir], REPO);
    expect(pack.status, output(pack)).toBe(0);
    const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarball = info[0]!.filename;
    packed = info[0]!.files;

    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Packages };
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown> & { dependencies: Record<string, string> };
    const example = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    example.dependencies.airtune = `file:${tarball}`;
    writeFileSync(join(dir, 'package.json'), JSON.stringify(example, null, 2));
    const packages: Packages = {
      '': { name: example.name, dependencies: example.dependencies, devDependencies: example.devDependencies },
      'node_modules/airtune': {
        version: pkg.version as string,
        resolved: `file:${tarball}`,
        integrity: `sha512-${createHash('sha512').update(readFileSync(join(dir, tarball))).digest('base64')}`,
        license: pkg.license,
        dependencies: pkg.dependencies,
        bin: pkg.bin,
        engines: pkg.engines,
      },
    };
    for (const key of closure(lock.packages, [...Object.keys(pkg.dependencies), ...Object.keys(example.devDependencies)])) packages[key] = lock.packages[key]!;
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: example.name, lockfileVersion: 3, requires: true, packages }, null, 2));
    for (const f of ['study.ts', 'engine.ts', 'tsconfig.json']) copyFileSync(join(EXAMPLE, f), join(dir, f));

    const install = run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], dir);
    expect(install.status, output(install)).toBe(0);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds the built library, its declarations, scenarios and docs, and no tests, sources or maps', () => {
    const paths = packed.map((f) => f.path);
    for (const p of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/engine/index.d.ts', 'dist/src/cli/main.js', 'scenarios/quickstart.yaml', 'docs/fidelity.md', 'docs/scenario.schema.json', 'solvers/README.md', 'README.md', 'LICENSE', 'package.json']) {
      expect(paths).toContain(p);
    }
    expect(paths.filter((p) => p.startsWith('test/') || p.startsWith('dist/bench/') || p.endsWith('.map') || /^(src|solvers)\/.*\.ts$/.test(p))).toEqual([]);
  });

  it('type-checks the example with strict settings', () => {
    const tsc = run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], dir);
    expect(output(tsc)).toBe('exit 0\n\n');
  });

  it("has declarations that check without skipLibCheck (a type from a devDependency would not)", () => {
    // The example skips checks inside .d.ts files (tfjs-core's need the DOM lib); airtune's own
    // declarations, those the example reaches, are checked here, and only they (checking every
    // package's declarations takes three times as long).
    const config = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    })!;
    const program = ts.createProgram({ rootNames: config.fileNames, options: { ...config.options, skipLibCheck: false, noEmit: true } });
    const ours = program.getSourceFiles().filter((sf) => sf.fileName.includes('/node_modules/airtune/'));
    expect(ours.map((sf) => sf.fileName.split('/node_modules/airtune/')[1])).toEqual(expect.arrayContaining(['dist/src/index.d.ts', 'dist/src/engine/index.d.ts']));
    const problems = ours.flatMap((sf) => [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]);
    expect(problems.map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)).toEqual([]);
  });

  it('runs the study: the library imported by name, its records and output folder', () => {
    expect(existsSync(join(dir, 'dist', 'study.js'))).toBe(true);
    const study = run(process.execPath, ['dist/study.js', 'out'], dir);
    expect(study.status, output(study)).toBe(0);
    // Rows: uplink, method, rounds, wall-clock in h, clients out of memory.
    const rows = [...study.stdout.matchAll(/^(\d+) MHz\s+(\S+)\s+(\d+)\s+([\d.]+) h\s+(\d+)$/gm)].map((m) => ({ mhz: Number(m[1]), method: m[2]!, hours: Number(m[4]) }));
    expect(rows.map((r) => `${r.mhz} ${r.method}`)).toEqual(['10 fedavg', '10 jcpba', '20 fedavg', '20 jcpba', '40 fedavg', '40 jcpba']);
    // More uplink bandwidth, same clients and rounds: every method's wall-clock falls.
    for (const m of ['fedavg', 'jcpba']) {
      const h = rows.filter((r) => r.method === m).map((r) => r.hours);
      expect(h[0]).toBeGreaterThan(h[1]!);
      expect(h[1]).toBeGreaterThan(h[2]!);
    }
    const meta = JSON.parse(readFileSync(join(dir, 'out', 'meta.json'), 'utf8')) as Record<string, unknown>;
    expect(meta.command).toBeNull();
    expect(meta.scenario_file).toBeNull();
    expect(meta.overrides).toEqual({ 'network.bandwidth': '40 MHz' });
    for (const f of ['rounds.csv', 'clients.csv', 'summary.csv', 'at_time.csv', 'report.html']) expect(existsSync(join(dir, 'out', f))).toBe(true);
  });

  it('runs the engine example from airtune/engine', () => {
    // Arrivals at 0, 1, 3, 4, ..., 13 (gaps 1 s and 2 s), 1.2 s of service: every second job waits
    // 0.2 s (mean 0.1 s); the arrival process ends with its last 2 s gap at 13 + 2 = 15 s.
    const engine = run(process.execPath, ['dist/engine.js'], dir);
    expect(engine.stdout).toBe('10 jobs done at t = 15.0 s; mean wait 0.10 s\n');
  });
});
