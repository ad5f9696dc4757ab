/**
 * Lower layers never import from higher ones (developers' guide, Layout). The layers, bottom to
 * top, as README's Layout section lists them; a file may import from its own layer and the layers
 * below. Type-only imports count too: a type names what a module depends on.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');

/**
 * Bottom to top. An entry ending in `/` is a folder, otherwise a file; a file belongs to the most
 * specific entry that holds it. Folders straddle two layers where a file's role does: the scenario
 * schema, its loader and its JSON Schema assemble every concept's section schema (so they sit above them), while the
 * rest of src/scenario/ is the vocabulary those sections are written in (units, distributions,
 * field problems); output/records.ts is the shape of the records the simulation fills.
 */
const LAYERS: { name: string; paths: string[] }[] = [
  { name: 'core', paths: ['src/core/'] },
  { name: 'base', paths: ['src/engine/', 'src/random/', 'src/workers/', 'src/progress/'] },
  { name: 'scenario vocabulary', paths: ['src/scenario/'] },
  { name: 'models', paths: ['src/radio/', 'src/devices/', 'src/costs/'] },
  { name: 'solvers', paths: ['solvers/'] },
  { name: 'training and methods', paths: ['src/training/', 'src/methods/'] },
  {
    name: 'runs',
    paths: ['src/simulation/', 'src/compare/', 'src/calibration/', 'src/scenario/schema.ts', 'src/scenario/load.ts', 'src/scenario/work.ts', 'src/scenario/json-schema.ts', 'src/scenario/warnings.ts', 'src/output/records.ts'],
  },
  { name: 'output', paths: ['src/output/'] },
  { name: 'sweep', paths: ['src/sweep/'] },
  { name: 'library API', paths: ['src/index.ts', 'src/api/'] },
  { name: 'entry points', paths: ['src/cli/', 'bench/'] },
];

/** The layer index of a repository-relative path, or -1 if no layer holds it. */
function layerOf(path: string, layers = LAYERS): number {
  let best = -1;
  let bestLength = -1;
  layers.forEach((layer, index) => {
    for (const p of layer.paths) {
      const holds = p.endsWith('/') ? path.startsWith(p) : path === p;
      if (holds && p.length > bestLength) {
        best = index;
        bestLength = p.length;
      }
    }
  });
  return best;
}

/** Repository-relative paths of the modules `file` imports from the repository (relative specifiers). */
function importsOf(file: string, text: string, exists: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const target = posix.normalize(posix.join(posix.dirname(file), ref.fileName));
    const stem = target.replace(/\.(js|ts)$/, '');
    const found = [`${stem}.ts`, `${target}/index.ts`].find(exists);
    out.push(found ?? target);
  }
  return out;
}

/** Every import of a lower layer from a higher one, as "file (layer) imports target (layer)". */
function upwardImports(files: Map<string, string>, layers = LAYERS): string[] {
  const problems: string[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file, layers);
    for (const target of importsOf(file, text, (p) => files.has(p))) {
      const to = layerOf(target, layers);
      if (to > from) problems.push(`${file} (${layers[from]?.name}) imports ${target} (${layers[to]?.name})`);
    }
  }
  return problems;
}

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = posix.join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

describe('layers', () => {
  // AssemblyScript sources (compiled to wasm, not imported by TypeScript) are left out.
  const files = new Map(
    ['src', 'solvers', 'bench']
      .flatMap((d) => sources(d))
      .filter((f) => !f.startsWith('src/training/kernels/assembly/'))
      .map((f) => [f, readFileSync(join(ROOT, f), 'utf8')] as const),
  );

  it('places every source file in a layer', () => {
    expect(files.size).toBeGreaterThan(100);
    expect([...files.keys()].filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('has no import from a lower layer to a higher one', () => {
    expect(upwardImports(files)).toEqual([]);
  });

  it('catches an upward import, a type-only one, a re-export and a dynamic import', () => {
    const fake = new Map([
      ['src/engine/a.ts', "import { x } from '../cli/main.js';"],
      ['src/radio/b.ts', "import type { Scenario } from '../scenario/schema.js';"],
      ['src/simulation/c.ts', "export { y } from '../output/write.js';"],
      ['src/scenario/units.ts', "const m = await import('./load.js');"],
      ['src/output/ok.ts', "import { z } from '../simulation/run.js'; import { q } from './records.js';"],
      ['src/cli/main.ts', ''],
      ['src/scenario/schema.ts', ''],
      ['src/scenario/load.ts', ''],
      ['src/output/write.ts', ''],
      ['src/output/records.ts', ''],
      ['src/simulation/run.ts', ''],
    ]);
    expect(upwardImports(fake)).toEqual([
      'src/engine/a.ts (base) imports src/cli/main.ts (entry points)',
      'src/radio/b.ts (models) imports src/scenario/schema.ts (runs)',
      'src/simulation/c.ts (runs) imports src/output/write.ts (output)',
      'src/scenario/units.ts (scenario vocabulary) imports src/scenario/load.ts (runs)',
    ]);
  });

  it('is the order README.md documents', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Layout'));
    // "1. **core**: `src/core/` — what it holds": the layer's name in bold, its paths in backticks.
    const listed = [...section.matchAll(/^\d+\. \*\*(.+?)\*\*: (.*)$/gm)].map((m) => ({
      name: m[1],
      paths: [...m[2]!.split(' — ')[0]!.matchAll(/`([^`]+)`/g)].map((p) => p[1]),
    }));
    expect(listed).toEqual(LAYERS);
  });
});
