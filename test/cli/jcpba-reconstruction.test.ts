// JCPBA's equations are not public: wherever JCPBA is named, airtune says its model is a
// reconstruction, and documentation the code refers to lives in the repository.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { findings, JCPBA_RECONSTRUCTION_NOTE } from '../../src/output/findings.js';
import { comparison, summary as row } from '../helpers/comparison.js';
import { capture } from '../helpers/io.js';

afterEach(() => vi.restoreAllMocks());

const summary = (method: string, method_id: string, t: number) => row({ method, method_id, rounds: 1, total_time_s: t, mean_round_latency_s: t, client_rounds_ok: 1 });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('JCPBA is called a reconstruction', () => {
  it('in the findings (console summary and report) whenever a jcpba entry is reported', () => {
    expect(findings(comparison([summary('jcpba', 'jcpba', 10), summary('fedavg', 'fedavg', 20)]))[0]).toBe(JCPBA_RECONSTRUCTION_NOTE);
    expect(JCPBA_RECONSTRUCTION_NOTE).toMatch(/reconstruction.*docs\/jcpba-model\.md/);
    expect(findings(comparison([summary('fedlora', 'fedlora', 10), summary('fedavg', 'fedavg', 20)])).join(' ')).not.toMatch(/reconstruction/);
  });

  it('in the CLI help of `airtune solve`', async () => {
    const io = capture();
    await main(['node', 'airtune', 'solve', '--help']);
    expect(io.out()).toMatch(/reconstruction\s+of\s+the\s+JCPBA\s+model/);
    expect(io.out()).toMatch(/docs\/jcpba-model\.md/);
  });

  it('and no source, solver, bench or README text points outside the repository for it', () => {
    const texts = [...files('src'), ...files('solvers'), ...files('bench'), 'README.md'].filter((f) => /\.(ts|md|yaml|json)$/.test(f));
    for (const f of texts) expect(readFileSync(f, 'utf8'), f).not.toMatch(/shared\/specs|\/work\/shared/);
    expect(readFileSync('docs/jcpba-model.md', 'utf8')).toMatch(/JCPBA's equations are not public/);
    expect(readFileSync('solvers/README.md', 'utf8')).toMatch(/reconstruction/);
  });
});
