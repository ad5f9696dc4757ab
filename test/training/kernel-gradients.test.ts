/**
 * Every kernel gradient registered in src/training/model/gradients.ts, one by one, against
 * central differences of the kernel's own forward: f(x) = sum(w ⊙ op(x, ...)) with a random
 * weighting w, so every output element's gradient path counts. The model-level check
 * (gradients-reference.test.ts) only reaches the kernels the proxy's backward pass runs through;
 * this one also covers those it does not use today (Sub, RealDiv, Neg, Cast, Identity, a
 * transposed-A BatchMatMul), so a wrong formula cannot wait there for the first model that does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../src/training/model/gradients.js';
import { initBackend } from '../../src/training/backend.js';
import { RandomStream } from '../../src/random/index.js';

const rs = RandomStream.of(21, 'test', 'kernel-gradients');
const rand = (shape: number[], lo = -1, hi = 1) =>
  tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rs.uniform(lo, hi)), shape);

/**
 * Gradients of sum(w ⊙ op(inputs)) w.r.t. each input: tf.grads with upstream gradient w (the
 * vector-Jacobian product; no Sum gradient involved), against central differences of the same
 * forward with the weighted sum taken in float64 here (eps 1e-2: truncation and float32
 * rounding stay below 1e-3 of the scale; a wrong sign, factor or operand is O(1)).
 */
function check(name: string, op: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): void {
  const out = tf.tidy(() => op(...inputs));
  const w = rand(out.shape);
  const wv = w.dataSync().slice();
  out.dispose();
  const grads = tf.tidy(() => tf.grads((...xs: tf.Tensor[]) => op(...xs))(inputs, w).map((g) => g.dataSync().slice()));
  const weighted = (xs: tf.Tensor[]) =>
    tf.tidy(() => {
      const y = op(...xs).dataSync();
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += wv[i]! * y[i]!;
      return sum;
    });
  const eps = 1e-2;
  inputs.forEach((x, k) => {
    const base = x.dataSync().slice();
    const fd = new Float64Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const at = (d: number) => {
        const v = base.slice();
        v[i] = v[i]! + d;
        const xs = inputs.slice();
        const moved = tf.tensor(v, x.shape);
        xs[k] = moved;
        const r = weighted(xs);
        moved.dispose();
        return r;
      };
      fd[i] = (at(eps) - at(-eps)) / (2 * eps);
    }
    const scale = Math.max(...Array.from(fd, Math.abs));
    expect(scale, `${name}: input ${k} has a vanishing gradient`).toBeGreaterThan(1e-2);
    const g = grads[k]!;
    for (let i = 0; i < g.length; i++) {
      expect(Math.abs(g[i]! - fd[i]!), `${name}: d/dinput${k}[${i}] = ${g[i]}, central difference ${fd[i]}`).toBeLessThan(2e-3 * scale + 1e-4);
    }
  });
  w.dispose();
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('registered kernel gradients against central differences', () => {
  it('Add, Sub, Multiply, RealDiv (with broadcasting) and Neg', () => {
    const a = rand([3, 4]);
    const b = rand([4]);
    const pos = rand([4], 0.5, 2);
    check('Add', (x, y) => tf.add(x, y), [a, b]);
    check('Sub', (x, y) => tf.sub(x, y), [a, b]);
    check('Multiply', (x, y) => tf.mul(x, y), [a, b]);
    check('RealDiv', (x, y) => tf.div(x, y), [a, pos]);
    check('Neg', (x) => tf.neg(x), [a]);
  });

  it('Cast, Identity, Reshape, Transpose (a permutation that is not its own inverse)', () => {
    const a = rand([2, 3, 4]);
    check('Cast', (x) => tf.cast(x, 'float32'), [a]);
    check('Identity', (x) => tf.clone(x), [a]);
    check('Reshape', (x) => tf.reshape(x, [4, 6]), [a]);
    check('Transpose', (x) => tf.transpose(x, [1, 2, 0]), [a]);
  });

  it('Concat, SplitV and Slice', () => {
    const a = rand([3, 2]);
    const b = rand([3, 3]);
    check('Concat', (x, y) => tf.concat([x, y], 1), [a, b]);
    check('SplitV', (x) => {
      const [p, q] = tf.split(x, [1, 2], 1);
      return tf.concat([tf.mul(p!, 3), q!], 1);
    }, [b]);
    check('Slice', (x) => tf.slice(x, [1, 1], [2, 2]), [b]);
  });

  it('Softmax, Square, Rsqrt, Sigmoid and Mean', () => {
    const a = rand([2, 5], -2, 2);
    check('Softmax', (x) => tf.softmax(x), [a]);
    check('Square', (x) => tf.square(x), [a]);
    check('Rsqrt', (x) => tf.rsqrt(x), [rand([2, 5], 0.5, 2)]);
    check('Sigmoid', (x) => tf.sigmoid(x), [a]);
    check('Mean', (x) => tf.mean(x, -1, true), [a]);
  });

  it('BatchMatMul with every transpose combination', () => {
    const a = rand([2, 3, 4]);
    const b = rand([2, 4, 5]);
    const aT = rand([2, 4, 3]);
    const bT = rand([2, 5, 4]);
    check('BatchMatMul', (x, y) => tf.matMul(x, y), [a, b]);
    check('BatchMatMul transposeB', (x, y) => tf.matMul(x, y, false, true), [a, bT]);
    check('BatchMatMul transposeA', (x, y) => tf.matMul(x, y, true, false), [aT, b]);
    check('BatchMatMul transposeA+B', (x, y) => tf.matMul(x, y, true, true), [aT, bT]);
  });
});
