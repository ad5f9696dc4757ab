import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitCommit, relativeCommand, stableScenarioPath } from '../../src/output/provenance.js';

const dir = mkdtempSync(join(tmpdir(), 'airtune-prov-'));
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

/** Write files under `root` from a path -> content map. */
function tree(root: string, files: Record<string, string>): string {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

describe('git commit read from .git without running git', () => {
  it('follows HEAD to a loose ref, to a packed ref, or reads a detached HEAD', () => {
    expect(gitCommit(tree(join(dir, 'loose'), { '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': `${A}\n` }))).toBe(A);
    expect(gitCommit(tree(join(dir, 'packed'), { '.git/HEAD': 'ref: refs/heads/dev\n', '.git/packed-refs': `# pack-refs with: peeled\n${A} refs/heads/main\n${B} refs/heads/dev\n` }))).toBe(B);
    expect(gitCommit(tree(join(dir, 'detached'), { '.git/HEAD': `${B}\n` }))).toBe(B);
  });

  it('reads a linked work tree (.git file -> gitdir, refs in the common dir)', () => {
    tree(join(dir, 'main'), { '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': `${A}\n`, '.git/refs/heads/feature': `${B}\n` });
    tree(join(dir, 'main', '.git', 'worktrees', 'wt'), { HEAD: 'ref: refs/heads/feature\n', commondir: '../..\n' });
    const wt = tree(join(dir, 'wt'), { '.git': `gitdir: ${join(dir, 'main', '.git', 'worktrees', 'wt')}\n` });
    expect(gitCommit(wt)).toBe(B);
  });

  it('is null outside a work tree, for refs leaving .git, and for a missing ref', () => {
    expect(gitCommit(join(dir, 'nothing-here'))).toBeNull();
    expect(gitCommit(null)).toBeNull();
    expect(gitCommit(tree(join(dir, 'evil'), { '.git/HEAD': 'ref: refs/../../../etc/passwd\n' }))).toBeNull();
    expect(gitCommit(tree(join(dir, 'unborn'), { '.git/HEAD': 'ref: refs/heads/main\n' }))).toBeNull();
  });
});

describe('paths recorded in meta.json', () => {
  it('the scenario relative to its work tree root, else its file name', () => {
    const repo = tree(join(dir, 'repo'), { '.git/HEAD': `${A}\n`, 'studies/a/s.yaml': 'x' });
    expect(stableScenarioPath(join(repo, 'studies', 'a', 's.yaml'))).toBe('studies/a/s.yaml');
    const loose = tree(join(dir, 'loose-files'), { 's.yaml': 'x' });
    // (the temporary folder is not inside a work tree)
    expect(stableScenarioPath(join(loose, 's.yaml'))).toBe('s.yaml');
  });

  it('the command line with absolute paths made relative to the working folder', () => {
    expect(relativeCommand(['run', '/home/u/s.yaml', '--out', '/home/u/runs/x', '--set', 'a=/b', '--out=/home/u/o'], '/home/u')).toEqual([
      'airtune', 'run', 's.yaml', '--out', 'runs/x', '--set', 'a=/b', '--out=o',
    ]);
    expect(relativeCommand(['run', '/tmp/s.yaml'], '/home/u')).toEqual(['airtune', 'run', '../../tmp/s.yaml']);
  });
});
