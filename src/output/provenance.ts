/**
 * What meta.json says about where a run came from, without making the outputs depend on where it
 * was started: the scenario path relative to a stable root (not as typed), the machine and code
 * (`environment`: Node, OS, CPU, airtune version, git commit) and the command line (`command`,
 * paths relative to the working folder). No clock is read: the same scenario and seed give the
 * same bytes, except `command`, which records how airtune was called (see README, Outputs).
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { arch, availableParallelism, cpus, release, type } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PACKAGE_DIR, VERSION } from '../core/version.js';

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/**
 * The scenario file's path relative to the root of the git work tree holding it (e.g.
 * `scenarios/quickstart.yaml`, the same in every clone and from every working folder), or its bare
 * file name outside a work tree. Its bytes are identified by `scenario_sha256` in any case.
 */
export function stableScenarioPath(file: string): string {
  let abs = resolve(file);
  try {
    abs = realpathSync(abs);
  } catch {
    // not there (a scenario object given in code): use the path as resolved
  }
  for (let d = dirname(abs); d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return toPosix(relative(d, abs));
  }
  return basename(abs);
}

const REF = /^refs\/[A-Za-z0-9._/-]+$/;

function readRef(gitDir: string, commonDir: string, ref: string): string | null {
  if (!REF.test(ref) || ref.split('/').includes('..')) return null;
  for (const d of [gitDir, commonDir]) {
    const f = join(d, ...ref.split('/'));
    if (existsSync(f)) return readFileSync(f, 'utf8').trim();
  }
  const packed = join(commonDir, 'packed-refs');
  if (!existsSync(packed)) return null;
  for (const line of readFileSync(packed, 'utf8').split('\n')) {
    const [sha, name] = line.trim().split(' ');
    if (name === ref && sha) return sha;
  }
  return null;
}

/**
 * The commit checked out in the git work tree at `root`, read from `.git` without running git (a
 * `.git` file of a linked work tree, symbolic refs, packed refs); null when `root` is not a work
 * tree (an installed package) or anything cannot be read.
 */
export function gitCommit(root: string | null): string | null {
  if (root === null) return null;
  try {
    let gitDir = join(root, '.git');
    if (statSync(gitDir).isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, 'utf8'));
      if (!m) return null;
      gitDir = resolve(root, m[1]!.trim());
    }
    const commonFile = join(gitDir, 'commondir');
    const commonDir = existsSync(commonFile) ? resolve(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
    let head: string | null = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    for (let depth = 0; depth < 5 && head?.startsWith('ref:'); depth++) head = readRef(gitDir, commonDir, head.slice(4).trim());
    return head !== null && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head) ? head : null;
  } catch {
    return null;
  }
}

let cached: Record<string, unknown> | null = null;

/**
 * The machine and code that produced a run. Equal for every run on one machine with one checkout;
 * other machines give other values (that is the point of recording them).
 */
export function environmentInfo(): Record<string, unknown> {
  cached ??= {
    node: process.version,
    os: `${type()} ${release()} ${arch()}`,
    cpu: cpus()[0]?.model.trim() || null,
    cpu_count: availableParallelism(),
    airtune: VERSION,
    git_commit: gitCommit(PACKAGE_DIR),
  };
  return { ...cached };
}

/**
 * The command line as `airtune <args>`, with absolute paths (also in `--opt=/path`) made relative
 * to the working folder, so a user's home folder does not end up in shared outputs.
 */
export function relativeCommand(args: readonly string[], cwd: string = process.cwd()): string[] {
  const rel = (p: string) => toPosix(relative(cwd, p)) || '.';
  return [
    'airtune',
    ...args.map((a) => {
      if (isAbsolute(a)) return rel(a);
      const m = /^(--?[^=]+=)(.*)$/.exec(a);
      return m && isAbsolute(m[2]!) ? `${m[1]}${rel(m[2]!)}` : a;
    }),
  ];
}
