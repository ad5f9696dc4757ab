import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutputFolder } from '../../src/output/preflight.js';
import { OutputError } from '../../src/output/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'airtune-preflight-'));

function problem(out: string, protect: string[] = []): string {
  try {
    checkOutputFolder(out, protect);
  } catch (e) {
    expect(e).toBeInstanceOf(OutputError);
    expect((e as OutputError).exitCode).toBe(2);
    return (e as Error).message;
  }
  throw new Error(`expected ${out} to be refused`);
}

describe('output folder checks before simulating', () => {
  it('accepts a new nested folder and an existing one, and creates nothing', () => {
    expect(checkOutputFolder(join(dir, 'new', 'deep', 'out'))).toBe(join(dir, 'new', 'deep', 'out'));
    mkdirSync(join(dir, 'existing'));
    expect(checkOutputFolder(join(dir, 'existing'))).toBe(join(dir, 'existing'));
    expect(readdirSync(dir).sort()).toEqual(['existing']);
    expect(readdirSync(join(dir, 'existing'))).toEqual([]);
  });

  it('refuses a file, a path under a file, the root, and names longer than a file system takes', () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    expect(problem(file)).toBe(`cannot write the outputs to ${file}: it is a file, not a folder; choose another folder with --out`);
    expect(problem(join(file, 'a', 'b'))).toContain(`${file} is a file, not a folder`);
    expect(problem('/')).toContain('it is the root of the file system');
    expect(problem(join(dir, 'x'.repeat(300), 'out'))).toMatch(/has 300 bytes, more than the 255 a file system takes/);
    expect(problem(join(dir, 'y'.repeat(230)))).toMatch(/the folder name has 230 bytes; at most 215 leave room/);
    expect(existsSync(join(dir, 'y'.repeat(230)))).toBe(false);
  });

  it('refuses a folder that holds the scenario file or the working folder (it is replaced as a whole)', () => {
    const scenario = join(dir, 'study', 'scenario.yaml');
    expect(problem(join(dir, 'study'), [scenario])).toContain(`it contains ${scenario}`);
    expect(problem(dir, [join(dir, 'sub', 'cwd')])).toContain('which replacing the folder would delete');
    expect(checkOutputFolder(join(dir, 'study', 'out'), [scenario])).toBe(join(dir, 'study', 'out'));
  });
});
