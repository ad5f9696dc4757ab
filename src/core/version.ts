import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder and version of the nearest package.json named `name` at or above `dir` (null if none). */
function packageAbove(dir: string, name: string): { dir: string; version: string } | null {
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    const file = join(d, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === name && pkg.version) return { dir: d, version: pkg.version };
  }
  return null;
}

function versionAbove(dir: string, name: string): string | null {
  return packageAbove(dir, name)?.version ?? null;
}

const SELF = packageAbove(dirname(fileURLToPath(import.meta.url)), 'airtune');

/** airtune's own version (from src/core or dist/src/core, walking up to the package root). */
export const VERSION = SELF?.version ?? '0.0.0';

/** airtune's package folder (holds package.json, and .git in a clone), or null if not found. */
export const PACKAGE_DIR: string | null = SELF?.dir ?? null;

/**
 * The installed version of dependency `name`, found by walking up from its entry point (some
 * packages do not export their package.json); 'not installed' if it cannot be resolved.
 */
export function dependencyVersion(name: string): string {
  try {
    return versionAbove(dirname(createRequire(import.meta.url).resolve(name)), name) ?? 'unknown';
  } catch {
    return 'not installed';
  }
}
