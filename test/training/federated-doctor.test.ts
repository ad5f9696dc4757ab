import { describe, expect, it } from 'vitest';
import { doctorCommand } from '../../src/cli/doctor.js';

describe('airtune doctor', () => {
  it('reports versions, the backend, the data and a throughput', async () => {
    let out = '';
    await doctorCommand({ backend: 'wasm', probeSeconds: 0.2, write: (t) => (out += t) });
    expect(out).toMatch(/^node\s+\d+\.\d+/m);
    expect(out).toMatch(/^tfjs-core\s+4\.22\.0$/m);
    expect(out).toMatch(/^tfjs backend\s+(wasm|cpu) \(1 thread/m);
    expect(out).toMatch(/not node\s+not tried/);
    // On wasm, which build of airtune's kernels runs (and how to choose another).
    if (/^tfjs backend\s+wasm/m.test(out)) expect(out).toMatch(/^wasm kernels\s+(relaxed SIMD \((fused multiply-add|multiply-add not fused on this CPU)\)|SIMD 128: .+) \(AIRTUNE_KERNELS=portable\|relaxed to choose\)$/m);
    expect(out).toMatch(/^native tfjs\s+opt in with: npm install @tensorflow\/tfjs-node@4\.22\.0 /m);
    expect(out).toMatch(/^gsm8k data\s+(present|absent)/m);
    const m = /^throughput\s+([\d,]+) tokens\/s/m.exec(out);
    expect(Number(m![1]!.replace(/,/g, ''))).toBeGreaterThan(0);
  });
});
