/**
 * The calibration cache: one JSON file per calibration, `<cacheDir>/rounds-model/<key>.json`, the
 * key a sha256 of everything the result depends on (canonical JSON, keys sorted, with airtune's
 * version). `airtune run` uses `output/.cache` (relative to the working folder) unless told
 * otherwise; delete the folder to recalibrate. Files are written atomically (temporary name, then
 * rename), and a file that cannot be read or parsed is treated as absent.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { VERSION } from '../core/version.js';

export const DEFAULT_CACHE_DIR = 'output/.cache';

/** JSON with object keys sorted at every level (undefined fields dropped, as JSON.stringify does). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function cacheKey(inputs: unknown): string {
  return createHash('sha256').update(canonical({ airtune: VERSION, inputs })).digest('hex');
}

function cachePath(dir: string, key: string): string {
  return join(dir, 'rounds-model', `${key}.json`);
}

export function readCache<T>(dir: string, key: string): T | null {
  try {
    const v = JSON.parse(readFileSync(cachePath(dir, key), 'utf8')) as { key?: string };
    return v.key === key ? (v as T) : null;
  } catch {
    return null;
  }
}

export function writeCache(dir: string, key: string, value: object): void {
  writeFileAtomic(cachePath(dir, key), `${JSON.stringify(value, null, 2)}\n`);
}
