/**
 * Every cost term of every method, exactly, for one small architecture: FLOPs, peak memory,
 * upload and download bytes, against numbers worked out by hand in this file from each
 * method's documented load model (the formula in its header comment and in docs/fidelity.md),
 * not from src/costs. Two local-work settings: W1 (bf16, Adam, no checkpointing, wire = compute
 * precision) with every expected value a literal worked out below, and W2 (fp32, SGD with
 * momentum, activation checkpointing, int8 on the wire) through the hand formulas, whose W1
 * values are checked against the literals first.
 *
 * The architecture (decoder; GQA; gated FFN; biases; LayerNorm; learned positions; untied head):
 *   L = 2 layers, h = 8, heads = 2 (head dim 4), kvHeads = 1 (k, v out = 4), ffn = 16,
 *   vocab V = 32, positions P = 16.
 *   Matmul weights per layer: q 8·8 + k 8·4 + v 8·4 + o 8·8 + gate 8·16 + up 8·16 + down 16·8
 *     = 64 + 32 + 32 + 64 + 128 + 128 + 128 = 576.
 *   Biases per layer: 8 + 4 + 4 + 8 + 16 + 16 + 8 = 64. Norms per layer: 2 LayerNorms · 2h = 32.
 *   Layer = 576 + 64 + 32 = 672. Embedding = V·h + P·h = 256 + 128 = 384.
 *   Head block = final LayerNorm 16 + untied head V·h 256 = 272.
 *   N = 384 + 2·672 + 272 = 2000. Head matmul (logits) = V·h = 256 (costs FLOPs).
 *   Tensors: embedding 2; per layer 2 norms·2 + 7 weights + 7 biases = 18; head 2 + 1 = 3;
 *   total 2 + 36 + 3 = 41.
 */
import { describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/costs/architecture.js';
import type { LocalWork } from '../../src/costs/schema.js';
import { paramCount, parameterTensors } from '../../src/costs/params.js';
import { getMethod } from '../../src/methods/registry.js';
import type { ClientLoad, LoadContext } from '../../src/methods/types.js';

const ARCH: Architecture = {
  name: 'exact-tiny',
  layers: 2,
  hidden: 8,
  heads: 2,
  kvHeads: 1,
  ffn: 16,
  vocab: 32,
  maxPositions: 16,
  tiedEmbeddings: false,
  ffnKind: 'gated',
  positional: 'learned',
  norm: 'layernorm',
  bias: true,
  kind: 'decoder',
};

// Hand counts (see the header).
const L = 2;
const N = 2000;
const LAYER = 672;
const MM = 576; // matmul weights per layer
const HEAD_MM = 256;
const TENSORS = 41;
const s = 8; // seqLen
const b = 2; // batch
const steps = 3;
const TOKENS = s * b; // per step
const ATT = 4 * s * 2 * 4; // attention-score FLOPs per token per layer, forward: 4·s·heads·headDim = 256
const V = 32;
const h = 8;

const W1: LocalWork = { weights: 'bf16', seqLen: s, batchSize: b, localSteps: steps, optimizer: 'adam', activationCheckpointing: false };
const W2: LocalWork = { weights: 'fp32', seqLen: s, batchSize: b, localSteps: steps, optimizer: 'sgd-momentum', activationCheckpointing: true, commPrecision: 'int8' };

/** Bytes: stored value, compute value (gradient, adapters), per trained param state, wire. */
function bytes(w: LocalWork) {
  const stored = { fp32: 4, bf16: 2, fp16: 2, int8: 1, int4: 0.5 }[w.weights];
  const compute = w.weights === 'fp32' ? 4 : 2;
  const master = compute < 4 ? 4 : 0; // fp32 master copy under mixed precision
  const opt = { adam: 8, sgd: 0, 'sgd-momentum': 4 }[w.optimizer];
  const wire = w.commPrecision ? { fp32: 4, bf16: 2, fp16: 2, int8: 1, int4: 0.5 }[w.commPrecision] : compute;
  return { stored, compute, state: compute + master + opt, wire };
}

/**
 * Activation bytes (Korthikanti et al. 2022 §4.1): a layer stores s·b·h·(34 + 5·heads·s/h)
 * bytes at 16 bit (x2 in fp32); with checkpointing only 2·s·b·h per back-propagated layer plus
 * one layer; plus fp32 logits 4·s·b·V. `bp` = layers the backward pass covers.
 */
function activations(w: LocalWork, bp: number): number {
  const scale = bytes(w).compute / 2;
  const layer = s * b * h * (34 + (5 * 2 * s) / h) * scale; // 128·44 = 5632 at 16 bit
  const stored = w.activationCheckpointing ? bp * 2 * s * b * h * scale + layer : Math.max(bp, 1) * layer;
  return stored + 4 * s * b * V;
}

/**
 * Per-token FLOPs from per-weight counts: a matmul weight costs 2 forward, 2 for the input
 * gradient when the backward pass crosses it, 2 for its own gradient when trained, 2 more
 * forward when recomputed (checkpointing). Attention scores: 1x forward, 2x backward, 1x
 * recompute per crossed layer. `fromLayer`: lowest layer the backward pass reaches.
 */
function perToken(w: LocalWork, o: { fromLayer: number; trainedMM: number; adapters?: number }): number {
  const ad = o.adapters ?? 0;
  const crossed = L - o.fromLayer;
  const fwd = L * (2 * MM + ATT) + 2 * HEAD_MM + 2 * ad;
  const bwd = crossed * (2 * MM + 2 * ATT) + 2 * HEAD_MM + 2 * ad + 2 * o.trainedMM;
  const recompute = w.activationCheckpointing ? crossed * (2 * MM + ATT) + 2 * ad : 0;
  return fwd + bwd + recompute;
}

/** The hand formula of each method (its documented load model), for work `w`. */
const hand = {
  fedavg(w: LocalWork): ClientLoad {
    const B = bytes(w);
    return {
      flops: steps * TOKENS * perToken(w, { fromLayer: 0, trainedMM: L * MM + HEAD_MM }),
      memoryBytes: N * B.stored + N * B.state + activations(w, L),
      uploadBytes: N * B.wire,
      downloadBytes: N * B.wire,
      trainedParams: N,
    };
  },
  /** rank 2 on q (8 -> 8) and v (8 -> 4): A = L·2·(8 + 8) = 64, B = L·2·(8 + 4) = 48. */
  fedlora(w: LocalWork): ClientLoad {
    const B = bytes(w);
    const P = 64 + 48;
    return {
      flops: steps * TOKENS * perToken(w, { fromLayer: 0, trainedMM: P, adapters: P }),
      memoryBytes: N * B.stored + P * B.compute + P * B.state + activations(w, L),
      uploadBytes: P * B.wire,
      downloadBytes: P * B.wire,
      trainedParams: P,
    };
  },
  /** rank 2, budget 1 on q, v: round 0 trains B (48), round 1 A (64); sends 1 rank per module. */
  loraA2(w: LocalWork, round: number): ClientLoad {
    const B = bytes(w);
    const P = 112;
    const trained = round % 2 === 0 ? 48 : 64;
    const sentValues = round % 2 === 0 ? L * (8 + 4) : L * (8 + 8); // 1 rank: B rows (out), A rows (in)
    const indices = L * 2 * 1; // one rank index per module
    const down = round === 0 ? P : round % 2 === 1 ? 48 : 64; // the factor trained last round
    return {
      flops: steps * TOKENS * perToken(w, { fromLayer: 0, trainedMM: trained, adapters: P }),
      memoryBytes: N * B.stored + P * B.compute + trained * B.state + activations(w, L),
      uploadBytes: sentValues * B.wire + indices * 4,
      downloadBytes: down * B.wire,
      trainedParams: trained,
    };
  },
  /** K = 16 seeds, rngFlopsPerValue 2 (c = 4): two forwards per step, 4 sweeps over N, K sweeps. */
  fedkseed(w: LocalWork): ClientLoad {
    const B = bytes(w);
    const fwd = L * (2 * MM + ATT) + 2 * HEAD_MM;
    return {
      flops: steps * (2 * TOKENS * fwd + 4 * N * 4) + 16 * N * 4,
      memoryBytes: N * B.stored + activations({ ...w, activationCheckpointing: false }, 0),
      uploadBytes: steps * 8,
      downloadBytes: 16 * 4,
      trainedParams: N,
    };
  },
  /** Client k in round t trains layer j = (t + k) mod L; backward stops at j. */
  fedcybgd(w: LocalWork, round: number, client: number, compression = 1): ClientLoad {
    const B = bytes(w);
    const j = (round + client) % L;
    return {
      flops: steps * TOKENS * perToken(w, { fromLayer: j, trainedMM: MM }),
      memoryBytes: N * B.stored + LAYER * B.state + activations(w, L - j),
      uploadBytes: LAYER * B.wire,
      downloadBytes: N * B.wire * compression,
      trainedParams: LAYER,
    };
  },
  /**
   * sparsity 0.9: P_sel = 10% of N = 200 values (all may be matmul weights: 200 <= 1408),
   * ceil(10% of 41 tensors) = 5 tensors; 1 of the 3 steps computes all weight gradients.
   * Download: min(N, clients·P_sel) values, min(41, clients·5) tensor indices.
   */
  blockllm(w: LocalWork, clients: number, indices: 'tensor' | 'element'): ClientLoad {
    const B = bytes(w);
    const sel = 200;
    const sparseStep = TOKENS * perToken(w, { fromLayer: 0, trainedMM: sel });
    const fullStep = TOKENS * perToken(w, { fromLayer: 0, trainedMM: L * MM + HEAD_MM });
    const downValues = Math.min(N, clients * sel);
    const upIdx = indices === 'tensor' ? 5 : sel;
    const downIdx = indices === 'tensor' ? Math.min(TENSORS, clients * 5) : downValues;
    return {
      flops: (steps - 1) * sparseStep + 1 * fullStep,
      memoryBytes: N * B.stored + sel * B.state + activations(w, L),
      uploadBytes: sel * B.wire + upIdx * 4,
      downloadBytes: downValues * B.wire + downIdx * 4,
      trainedParams: sel,
    };
  },
  /**
   * Pruned full fine-tuning: the L·576 = 1152 layer matmul weights are prunable; each kept one
   * costs 6 FLOPs per token (8 with recompute), its stored value + training state in memory, and
   * its value on the wire; everything else is fixed. Unstructured adds a 1-bit mask per
   * prunable weight to the upload. Download: the dense model.
   */
  jcpba(w: LocalWork, rho: number, pruning: 'structured' | 'unstructured'): ClientLoad {
    const B = bytes(w);
    const P = L * MM;
    const keep = 1 - rho;
    const perPrunable = 6 + (w.activationCheckpointing ? 2 : 0);
    // Fixed per token: attention scores (fwd 1x, bwd 2x, recompute 1x) and the head (fwd 2,
    // input grad 2, weight grad 2 per value); all layers are crossed.
    const fixedPerToken = L * (ATT + 2 * ATT + (w.activationCheckpointing ? ATT : 0)) + 6 * HEAD_MM;
    return {
      flops: steps * TOKENS * (fixedPerToken + keep * perPrunable * P),
      memoryBytes: (N - P) * (B.stored + B.state) + activations(w, L) + keep * P * (B.stored + B.state),
      uploadBytes: (N - P) * B.wire + (pruning === 'unstructured' ? P / 8 : 0) + keep * P * B.wire,
      downloadBytes: N * B.wire,
      trainedParams: N - P + keep * P,
    };
  },
};

function load(id: string, params: unknown, over: Partial<LoadContext> & { work: LocalWork }): ClientLoad {
  const m = getMethod(id);
  const full = m.paramsSchema.parse(params);
  const { split: _split, ...rest } = m.load({ arch: ARCH, round: 0, client: 0, clients: 4, ...over }, full);
  return rest;
}

describe('the hand counts of the small architecture', () => {
  it('N = 2000 parameters in 41 tensors', () => {
    expect(paramCount(ARCH)).toBe(N);
    expect(parameterTensors(ARCH).length).toBe(TENSORS);
  });

  it('the hand formulas give the literal values worked out by hand for W1', () => {
    // Per token, full fine-tuning: fwd 2·(2·576 + 256) + 2·256 = 3328; bwd 2·(2·576 + 2·256) +
    // 2·256 + 2·1408 = 6656; total 9984; x 3 steps x 16 tokens = 479,232.
    // Activations: 2 layers x 5632 + logits 4·8·2·32 = 2048 -> 13,312. State: 2 + 4 + 8 = 14 B.
    expect(hand.fedavg(W1)).toEqual({ flops: 479_232, memoryBytes: 4000 + 28_000 + 13_312, uploadBytes: 4000, downloadBytes: 4000, trainedParams: 2000 });
    // Frozen base: fwd 3328 + 2·112; bwd 2·(2·576 + 2·256) + 2·256 = 3840, + 2·112 adapter input
    // grads + 2·112 adapter weight grads = 4288; (3552 + 4288) x 48 = 376,320.
    // Memory 4000 + 112·2 + 112·14 + 13,312.
    expect(hand.fedlora(W1)).toEqual({ flops: 376_320, memoryBytes: 19_104, uploadBytes: 224, downloadBytes: 224, trainedParams: 112 });
    // Round 0 (B): bwd 3840 + 224 + 2·48 -> (3552 + 4160) x 48; round 1 (A): 3840 + 224 + 2·64.
    // Upload: 1 rank of B = L·(8 + 4) values·2 + 4 indices·4 = 64; of A L·(8 + 8)·2 + 16 = 80.
    expect(hand.loraA2(W1, 0)).toEqual({ flops: 370_176, memoryBytes: 18_208, uploadBytes: 64, downloadBytes: 224, trainedParams: 48 });
    expect(hand.loraA2(W1, 1)).toEqual({ flops: 371_712, memoryBytes: 18_432, uploadBytes: 80, downloadBytes: 96, trainedParams: 64 });
    expect(hand.loraA2(W1, 2).downloadBytes).toBe(128);
    // 3·(2·16·3328 + 4·2000·4) + 16·2000·4 = 543,488; inference memory 4000 + 5632 + 2048.
    expect(hand.fedkseed(W1)).toEqual({ flops: 543_488, memoryBytes: 11_680, uploadBytes: 24, downloadBytes: 64, trainedParams: 2000 });
    // j = 0: bwd 2·1664 + 512 + 1152 = 4992 -> 8320·48; j = 1: 1664 + 512 + 1152 -> 6656·48.
    expect(hand.fedcybgd(W1, 0, 0)).toEqual({ flops: 399_360, memoryBytes: 4000 + 9408 + 13_312, uploadBytes: 1344, downloadBytes: 4000, trainedParams: 672 });
    expect(hand.fedcybgd(W1, 0, 1)).toEqual({ flops: 319_488, memoryBytes: 4000 + 9408 + 7680, uploadBytes: 1344, downloadBytes: 4000, trainedParams: 672 });
    // 2 steps x 16 x (3328 + 3840 + 2·200) + 16 x (3328 + 6656) = 401,920.
    expect(hand.blockllm(W1, 4, 'tensor')).toEqual({ flops: 401_920, memoryBytes: 4000 + 2800 + 13_312, uploadBytes: 420, downloadBytes: 1680, trainedParams: 200 });
    // Fixed 2·768 + 1536 = 3072 per token (147,456), prunable 6·1152 per token (331,776).
    expect(hand.jcpba(W1, 0.5, 'structured')).toEqual({ flops: 313_344, memoryBytes: 26_880 + 9216, uploadBytes: 1696 + 1152, downloadBytes: 4000, trainedParams: 848 + 576 });
    expect(hand.jcpba(W1, 0, 'structured')).toEqual(hand.fedavg(W1)); // rho = 0 is FedAvg
  });
});

describe('each method load equals its hand formula, term by term', () => {
  for (const [label, w] of [
    ['W1 (bf16, Adam)', W1],
    ['W2 (fp32, momentum, checkpointing, int8 wire)', W2],
  ] as const) {
    describe(label, () => {
      it('fedavg', () => {
        expect(load('fedavg', {}, { work: w })).toEqual(hand.fedavg(w));
      });
      it('fedlora (rank 2, q and v)', () => {
        expect(load('fedlora', { rank: 2, targets: ['q', 'v'] }, { work: w })).toEqual(hand.fedlora(w));
      });
      it('lora-a2 (rank 2, budget 1, q and v), rounds 0..3', () => {
        for (const round of [0, 1, 2, 3]) {
          expect(load('lora-a2', { rank: 2, rankBudget: 1, targets: ['q', 'v'] }, { work: w, round }), `round ${round}`).toEqual(hand.loraA2(w, round));
        }
      });
      it('fedkseed (16 seeds)', () => {
        expect(load('fedkseed', { seeds: 16 }, { work: w })).toEqual(hand.fedkseed(w));
      });
      it('fedcybgd (every round/client pair of a cycle; download compression)', () => {
        for (const [round, client] of [[0, 0], [0, 1], [1, 0], [1, 1], [2, 3]] as const) {
          expect(load('fedcybgd', {}, { work: w, round, client }), `round ${round} client ${client}`).toEqual(hand.fedcybgd(w, round, client));
        }
        expect(load('fedcybgd', { downloadCompression: 0.25 }, { work: w })).toEqual(hand.fedcybgd(w, 0, 0, 0.25));
      });
      it('blockllm (sparsity 0.9; tensor and element indices; 1 and 4 clients)', () => {
        for (const clients of [1, 4, 20]) {
          for (const indices of ['tensor', 'element'] as const) {
            expect(load('blockllm', { sparsity: 0.9, indices }, { work: w, clients }), `${clients} clients, ${indices}`).toEqual(hand.blockllm(w, clients, indices));
          }
        }
      });
      it('jcpba (rho 0, 0.5, 0.75; structured and unstructured)', () => {
        for (const rho of [0, 0.5, 0.75]) {
          for (const pruning of ['structured', 'unstructured'] as const) {
            const got = load('jcpba', { pruning, rhoMax: 0.8 }, { work: w, rho });
            const want = hand.jcpba(w, rho, pruning);
            for (const k of Object.keys(want) as (keyof ClientLoad)[]) {
              // (fixed + keep·prunable) vs the hand sum in another order: equal up to rounding.
              expect(got[k] as number, `rho ${rho} ${pruning} ${k}`).toBeCloseTo(want[k] as number, 6);
            }
          }
        }
      });
    });
  }
});
