/**
 * Every cost term of every method, exactly, for one small architecture: FLOPs, peak memory,
 * upload and download bytes and memory traffic (the roofline's bytes moved), against numbers
 * worked out by hand in this file from each method's documented load model (the formula in its
 * header comment and in docs/fidelity.md), not from src/costs or src/methods. Two local-work
 * settings: W1 (bf16, Adam, no checkpointing, wire = compute precision) with every expected value
 * a literal worked out below, and W2 (fp32, SGD with momentum, activation checkpointing, int8 on
 * the wire) through the hand formulas, whose W1 values are checked against the literals first.
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
 *   BlockLLM's selectable tensors (all but the embeddings and the LM head; the final norm stays):
 *   41 - 3 = 38 tensors of N_sel = 2000 - 384 - 256 = 1360 values; 14 of them are matmul
 *   weights (L·576 = 1152 values); the largest holds 8·16 = 128 values.
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
const N_SEL = 1360; // BlockLLM: selectable values
const SEL_TENSORS = 38;
const SEL_MM = L * MM; // selectable matmul weights, in 14 of the 38 selectable tensors
const SEL_LARGEST = 128;
const s = 8; // seqLen
const b = 2; // batch
const steps = 3;
const TOKENS = s * b; // per step
const ATT = 4 * s * 2 * 4; // attention-score FLOPs per token per layer, forward: 4·s·heads·headDim = 256
const V = 32;
const h = 8;
/** The layer's projections (in, out), in layer order. */
const PROJ = { q: [8, 8], k: [8, 4], v: [8, 4], o: [8, 8], gate: [8, 16], up: [8, 16], down: [16, 8] } as const;
type Proj = keyof typeof PROJ;
const ALL_PROJ = Object.keys(PROJ) as Proj[];

const W1: LocalWork = { weights: 'bf16', seqLen: s, batchSize: b, localSteps: steps, optimizer: 'adam', activationCheckpointing: false };
const W2: LocalWork = { weights: 'fp32', seqLen: s, batchSize: b, localSteps: steps, optimizer: 'sgd-momentum', activationCheckpointing: true, commPrecision: 'int8' };

/** Bytes: stored value, compute value (gradient, adapters), per trained param state, wire. */
function bytes(w: LocalWork) {
  const stored = { fp32: 4, bf16: 2, fp16: 2, int8: 1, int4: 0.5 }[w.weights];
  const compute = w.weights === 'fp32' ? 4 : 2;
  const master = compute < 4 ? 4 : 0; // fp32 master copy under mixed precision
  const opt = { adam: 8, sgd: 0, 'sgd-momentum': 4 }[w.optimizer];
  const wire = w.commPrecision ? { fp32: 4, bf16: 2, fp16: 2, int8: 1, int4: 0.5 }[w.commPrecision] : compute;
  return { stored, compute, master, opt, state: compute + master + opt, wire };
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

/**
 * Bytes one training step moves between memory and the cores (docs/fidelity.md "memory traffic
 * of a training step": one pass per tensor use, no reuse). Forward: every stored weight and every
 * adapter read once. Backward: the matmul weights of the crossed layers and of the head read for
 * the input gradients, the adapters too; with checkpointing the crossed layers' matmul weights
 * and the adapters read once more by the recomputed forward. Each trained value: its gradient
 * written and read (2 x compute bytes), master copy and optimizer states read and written, its
 * new value written (compute bytes). Stored activations written and read back.
 */
function trafficPerStep(w: LocalWork, o: { fromLayer: number; trained: number; adapters?: number }): number {
  const B = bytes(w);
  const ad = o.adapters ?? 0;
  const crossed = L - o.fromLayer;
  const forward = N * B.stored + ad * B.compute;
  const backward = (crossed * MM + HEAD_MM) * B.stored + ad * B.compute;
  const recompute = w.activationCheckpointing ? crossed * MM * B.stored + ad * B.compute : 0;
  const state = o.trained * (2 * B.compute + 2 * (B.master + B.opt) + B.compute);
  return forward + backward + recompute + state + 2 * activations(w, crossed);
}

/**
 * LoRA-A2's expected rank selection (lora-a2.ts header; docs/fidelity.md "upload at LLM scale"):
 * min(budget, rank)·(#modules) ranks handed out one at a time, to the best-scored modules first
 * (sqrt(out) in B-rounds, sqrt(in·out) in A-rounds); modules of equal score take turns in layer
 * order, none above `rank`. A kept rank sends one row of the trained factor: out values (B) or
 * in values (A).
 */
function a2Selection(targets: Proj[], rank: number, budget: number, factor: 'A' | 'B') {
  const modules = Array.from({ length: L }, () => targets.map((t) => ({ inF: PROJ[t][0], outF: PROJ[t][1], kept: 0 }))).flat();
  const score = (m: { inF: number; outF: number }) => (factor === 'B' ? Math.sqrt(m.outF) : Math.sqrt(m.inF * m.outF));
  let left = Math.min(budget, rank) * modules.length;
  for (const level of [...new Set(modules.map(score))].sort((x, y) => y - x)) {
    const group = modules.filter((m) => score(m) === level);
    while (left > 0 && group.some((m) => m.kept < rank)) {
      for (const m of group) {
        if (left > 0 && m.kept < rank) {
          m.kept++;
          left--;
        }
      }
    }
  }
  return {
    ranks: modules.reduce((a, m) => a + m.kept, 0),
    values: modules.reduce((a, m) => a + m.kept * (factor === 'B' ? m.outF : m.inF), 0),
  };
}

/**
 * FedCyBGD: distinct blocks a client's model lacks when its turn comes, by walking the turns
 * forward: everyone starts from the pre-trained model; after client c trains block c mod L it
 * holds the latest model, and every other client's copy of that block is stale.
 */
function changedBlocks(history: number[][], client: number): number {
  const stale = new Map<number, Set<number>>();
  for (const c of history.flat()) stale.set(c, new Set());
  for (const [r, order] of history.entries()) {
    for (const c of order) {
      if (r === history.length - 1 && c === client) return stale.get(c)!.size;
      stale.set(c, new Set());
      for (const [d, blocks] of stale) if (d !== c) blocks.add(c % L);
    }
  }
  throw new Error('client not in the last round');
}
/** The history the load assumes without one: clients 0..clients-1 in every round 0..round. */
const everyRound = (round: number, clients: number) => Array.from({ length: round + 1 }, () => Array.from({ length: clients }, (_, k) => k));

/** LoRA-A2 scoring pre-pass: max(1, round(0.2 · 3 steps)) = 1 step, trained like a local step. */
const A2_SCORING = 1;

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
      memoryTrafficBytes: steps * trafficPerStep(w, { fromLayer: 0, trained: N }),
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
      memoryTrafficBytes: steps * trafficPerStep(w, { fromLayer: 0, trained: P, adapters: P }),
    };
  },
  /**
   * LoRA-A2 with rank r on `targets`: A = L·r·Σ in, B = L·r·Σ out; round 0, 2, .. train B, 1, 3, ..
   * A; steps + scoring pre-pass steps of training; upload = kept values + one int32 per kept rank;
   * download = the factor trained last round (round 0: both).
   */
  loraA2(w: LocalWork, round: number, o: { rank: number; budget: number; targets: Proj[] }): ClientLoad {
    const B = bytes(w);
    const a = L * o.rank * o.targets.reduce((x, t) => x + PROJ[t][0], 0);
    const bb = L * o.rank * o.targets.reduce((x, t) => x + PROJ[t][1], 0);
    const factor = round % 2 === 0 ? 'B' : 'A';
    const trained = factor === 'B' ? bb : a;
    const sel = a2Selection(o.targets, o.rank, o.budget, factor);
    const down = round === 0 ? a + bb : factor === 'A' ? bb : a;
    return {
      flops: (steps + A2_SCORING) * TOKENS * perToken(w, { fromLayer: 0, trainedMM: trained, adapters: a + bb }),
      memoryBytes: N * B.stored + (a + bb) * B.compute + trained * B.state + activations(w, L),
      uploadBytes: sel.values * B.wire + sel.ranks * 4,
      downloadBytes: down * B.wire,
      trainedParams: trained,
      memoryTrafficBytes: (steps + A2_SCORING) * trafficPerStep(w, { fromLayer: 0, trained, adapters: a + bb }),
    };
  },
  /**
   * K = 16 seeds, rngFlopsPerValue 2 (c = 4): two forwards per step, 4 sweeps over N; the replay
   * of R seeds, R = K(1 - (1 - 1/K)^(round·clients·steps)) (incremental) or K (full).
   * Traffic: per step two forward passes (weights + one layer's activations + logits, the
   * inference memory) and 4 read-write sweeps over the weights; 1 read-write sweep per replayed seed.
   */
  fedkseed(w: LocalWork, round: number, clients: number, replay: 'incremental' | 'full'): ClientLoad {
    const B = bytes(w);
    const K = 16;
    const R = replay === 'full' ? K : K * (1 - Math.pow(1 - 1 / K, round * clients * steps));
    const fwd = L * (2 * MM + ATT) + 2 * HEAD_MM;
    const memory = N * B.stored + activations({ ...w, activationCheckpointing: false }, 0);
    return {
      flops: steps * (2 * TOKENS * fwd + 4 * N * 4) + R * N * 4,
      memoryBytes: memory,
      uploadBytes: steps * 8,
      downloadBytes: K * 4,
      trainedParams: N,
      memoryTrafficBytes: steps * (2 * memory + 8 * N * B.stored) + R * 2 * N * B.stored,
    };
  },
  /** Client k trains layer j = k mod L; backward stops at j; download = ceil(part·changed) layers. */
  fedcybgd(w: LocalWork, client: number, changed: number, compression = 1): ClientLoad {
    const B = bytes(w);
    const j = client % L;
    return {
      flops: steps * TOKENS * perToken(w, { fromLayer: j, trainedMM: MM }),
      memoryBytes: N * B.stored + LAYER * B.state + activations(w, L - j),
      uploadBytes: LAYER * B.wire,
      downloadBytes: Math.ceil(compression * changed) * LAYER * B.wire,
      trainedParams: LAYER,
      memoryTrafficBytes: steps * trafficPerStep(w, { fromLayer: j, trained: LAYER }),
    };
  },
  /**
   * `sel` = P_sel = floor((1 - s)·N_sel) values in `k` = ceil((1 - s)·38) tensors; weight
   * gradients for min(P_sel, selectable matmul weights); the sampled inactive tensor (1 per step)
   * adds a weight gradient of the mean selectable tensor's matmul weights (1152 / 38) and the
   * largest selectable tensor's gradient in memory. Download: min(N_sel, clients·P_sel) values and
   * min(38, clients·k) tensor indices (embeddings and head never change).
   */
  blockllm(w: LocalWork, clients: number, indices: 'tensor' | 'element', sel: number, k: number): ClientLoad {
    const B = bytes(w);
    const sampled = steps * TOKENS * 2 * (SEL_MM / SEL_TENSORS);
    const downValues = Math.min(N_SEL, clients * sel);
    const upIdx = indices === 'tensor' ? k : sel;
    const downIdx = indices === 'tensor' ? Math.min(SEL_TENSORS, clients * k) : downValues;
    return {
      flops: steps * TOKENS * perToken(w, { fromLayer: 0, trainedMM: Math.min(sel, SEL_MM) }) + sampled,
      memoryBytes: N * B.stored + sel * B.state + activations(w, L) + SEL_LARGEST * B.compute,
      uploadBytes: sel * B.wire + upIdx * 4,
      downloadBytes: downValues * B.wire + downIdx * 4,
      trainedParams: sel,
      memoryTrafficBytes: steps * trafficPerStep(w, { fromLayer: 0, trained: sel }),
    };
  },
  /**
   * Pruned full fine-tuning: the L·576 = 1152 layer matmul weights are prunable; each kept one
   * costs 6 FLOPs per token (8 with recompute), its stored value + training state in memory, and
   * its value on the wire; everything else is fixed. Unstructured adds a 1-bit mask per
   * prunable weight to the upload. Download: the dense model. Traffic: the dense (FedAvg)
   * traffic scaled by the FLOPs ratio (docs/fidelity.md "JCPBA traffic").
   */
  jcpba(w: LocalWork, rho: number, pruning: 'structured' | 'unstructured'): ClientLoad {
    const B = bytes(w);
    const P = L * MM;
    const keep = 1 - rho;
    const perPrunable = 6 + (w.activationCheckpointing ? 2 : 0);
    // Fixed per token: attention scores (fwd 1x, bwd 2x, recompute 1x) and the head (fwd 2,
    // input grad 2, weight grad 2 per value); all layers are crossed.
    const fixedPerToken = L * (ATT + 2 * ATT + (w.activationCheckpointing ? ATT : 0)) + 6 * HEAD_MM;
    const flops = steps * TOKENS * (fixedPerToken + keep * perPrunable * P);
    const dense = hand.fedavg(w);
    return {
      flops,
      memoryBytes: (N - P) * (B.stored + B.state) + activations(w, L) + keep * P * (B.stored + B.state),
      uploadBytes: (N - P) * B.wire + (pruning === 'unstructured' ? P / 8 : 0) + keep * P * B.wire,
      downloadBytes: N * B.wire,
      trainedParams: N - P + keep * P,
      memoryTrafficBytes: (dense.memoryTrafficBytes! * flops) / dense.flops,
    };
  },
};

function load(id: string, params: unknown, over: Partial<LoadContext> & { work: LocalWork }): ClientLoad {
  const m = getMethod(id);
  const full = m.paramsSchema.parse(params);
  const { split: _split, ...rest } = m.load({ arch: ARCH, round: 0, client: 0, clients: 4, ...over }, full);
  return rest;
}

/**
 * The same terms, each equal to its hand value up to floating-point rounding (1e-12 relative: the
 * hand sums run in another order; some terms, e.g. FedKSeed's R, are not integers). No term is
 * missing and none is extra.
 */
function expectLoad(got: ClientLoad, want: ClientLoad, label = ''): void {
  expect(Object.keys(got).sort(), label).toEqual(Object.keys(want).sort());
  for (const key of Object.keys(want) as (keyof ClientLoad)[]) {
    const [g, x] = [got[key] as number, want[key] as number];
    const err = x === 0 ? Math.abs(g) : Math.abs(g / x - 1);
    expect(err, `${label} ${key}: got ${g}, hand ${x}`).toBeLessThanOrEqual(1e-12);
  }
}

const QV2 = { rank: 2, budget: 1, targets: ['q', 'v'] as Proj[] };
const ALL4 = { rank: 4, budget: 1, targets: ALL_PROJ };

describe('the hand counts of the small architecture', () => {
  it('N = 2000 parameters in 41 tensors; 1360 selectable by BlockLLM in 38', () => {
    expect(paramCount(ARCH)).toBe(N);
    const tensors = parameterTensors(ARCH);
    expect(tensors.length).toBe(TENSORS);
    const selectable = tensors.filter((t) => t.block !== 'embedding' && t.name !== 'head.weight');
    expect([selectable.length, selectable.reduce((a, t) => a + t.params, 0)]).toEqual([SEL_TENSORS, N_SEL]);
  });

  it('the hand formulas give the literal values worked out by hand for W1', () => {
    // Per token, full fine-tuning: fwd 2·(2·576 + 256) + 2·256 = 3328; bwd 2·(2·576 + 2·256) +
    // 2·256 + 2·1408 = 6656; total 9984; x 3 steps x 16 tokens = 479,232.
    // Activations: 2 layers x 5632 + logits 4·8·2·32 = 2048 -> 13,312. State: 2 + 4 + 8 = 14 B.
    // Traffic per step: forward 2000·2 = 4000; backward 1408·2 = 2816; state 2000·(2·2 + 2·12 + 2)
    // = 60,000; activations 2·13,312 = 26,624; 93,440 x 3 = 280,320.
    expect(hand.fedavg(W1)).toEqual({ flops: 479_232, memoryBytes: 4000 + 28_000 + 13_312, uploadBytes: 4000, downloadBytes: 4000, trainedParams: 2000, memoryTrafficBytes: 280_320 });
    // Frozen base: fwd 3328 + 2·112; bwd 2·(2·576 + 2·256) + 2·256 = 3840, + 2·112 adapter input
    // grads + 2·112 adapter weight grads = 4288; (3552 + 4288) x 48 = 376,320.
    // Memory 4000 + 112·2 + 112·14 + 13,312. Traffic per step (4000 + 224) + (2816 + 224) + 112·30
    // + 26,624 = 37,248; x 3 = 111,744.
    expect(hand.fedlora(W1)).toEqual({ flops: 376_320, memoryBytes: 19_104, uploadBytes: 224, downloadBytes: 224, trainedParams: 112, memoryTrafficBytes: 111_744 });
    // LoRA-A2, rank 2, budget 1 on q, v: 4 modules, 4 ranks kept. B-round: scores sqrt(8) (q) >
    // sqrt(4) (v): both q modules keep 2 ranks: 4 rows of 8 values = 32·2 B + 4 indices·4 B = 80.
    // A-round: sqrt(64) (q) > sqrt(32) (v): q again, 4 rows of in = 8 values: 80.
    // FLOPs: 3 steps + 1 scoring step = 64 tokens; round 0 (B): bwd 3840 + 224 + 2·48 -> (3552 +
    // 4160) x 64 = 493,568; round 1 (A): (3552 + 3840 + 224 + 2·64) x 64 = 495,616.
    // Traffic per step: 4224 + 3040 + 26,624 + trained·30: B 35,328, A 35,808; x 4.
    expect(hand.loraA2(W1, 0, QV2)).toEqual({ flops: 493_568, memoryBytes: 18_208, uploadBytes: 80, downloadBytes: 224, trainedParams: 48, memoryTrafficBytes: 141_312 });
    expect(hand.loraA2(W1, 1, QV2)).toEqual({ flops: 495_616, memoryBytes: 18_432, uploadBytes: 80, downloadBytes: 96, trainedParams: 64, memoryTrafficBytes: 143_232 });
    expect(hand.loraA2(W1, 2, QV2).downloadBytes).toBe(128);
    // Rank 4, budget 1 on all 7 projections: A = B = 2·4·64 = 512; 14 modules, 14 ranks kept.
    // B-round: gate, up (out 16) first, 4 modules x up to 4 ranks: 14 = 4 + 4 + 3 + 3 rows of 16
    // values = 224 values: 448 + 56 = 504 B. A-round: gate, up, down (in·out 128) first, 6
    // modules: 3 + 3 + 2 (layer 0: gate, up, down) + 2 + 2 + 2 (layer 1); in = 8, 8, 16:
    // 3·8 + 3·8 + 2·16 + 2·8 + 2·8 + 2·16 = 144 values: 288 + 56 = 344 B.
    // FLOPs per token (3328 + 2048) + (3840 + 2048 + 2·512) = 12,288, x 64 = 786,432.
    expect(hand.loraA2(W1, 0, ALL4)).toMatchObject({ flops: 786_432, memoryBytes: 4000 + 2048 + 7168 + 13_312, uploadBytes: 504, downloadBytes: 2048, trainedParams: 512 });
    expect(hand.loraA2(W1, 1, ALL4)).toMatchObject({ uploadBytes: 344, downloadBytes: 1024 });
    // Round 0: nothing replayed: 3·(2·16·3328 + 4·2000·4) = 415,488; inference memory 4000 +
    // 5632 + 2048; traffic 3·(2·11,680 + 8·4000) = 166,080.
    expect(hand.fedkseed(W1, 0, 4, 'incremental')).toEqual({ flops: 415_488, memoryBytes: 11_680, uploadBytes: 24, downloadBytes: 64, trainedParams: 2000, memoryTrafficBytes: 166_080 });
    // replay: full: + 16·2000·4 = 128,000 FLOPs and 16·2·4000 = 128,000 bytes.
    expect(hand.fedkseed(W1, 0, 4, 'full')).toMatchObject({ flops: 543_488, memoryTrafficBytes: 294_080 });
    // Round 1, 4 clients: 12 earlier steps, R = 16·(1 - (15/16)^12) = 8.6247745696...
    expect(hand.fedkseed(W1, 1, 4, 'incremental').flops).toBeCloseTo(415_488 + 8.6247745696 * 8000, 5);
    // j = 0: bwd 2·1664 + 512 + 1152 = 4992 -> 8320·48; j = 1: 1664 + 512 + 1152 -> 6656·48.
    // Traffic per step j = 0: 4000 + 2816 + 672·30 + 26,624 = 53,600; j = 1: 4000 + (576 +
    // 256)·2 + 20,160 + 2·7680 = 41,184.
    expect(hand.fedcybgd(W1, 0, 0)).toEqual({ flops: 399_360, memoryBytes: 4000 + 9408 + 13_312, uploadBytes: 1344, downloadBytes: 0, trainedParams: 672, memoryTrafficBytes: 160_800 });
    expect(hand.fedcybgd(W1, 1, 2, 0.6)).toEqual({ flops: 319_488, memoryBytes: 4000 + 9408 + 7680, uploadBytes: 1344, downloadBytes: 2 * 1344, trainedParams: 672, memoryTrafficBytes: 123_552 });
    // Changed blocks: round 0 client 0 none, client 1 block 0, client 3 blocks {0, 1}; in round
    // 1 everyone else trained since: both blocks. In [[0, 1, 2, 3], [3, 2]] client 2 misses only
    // client 3's block 1.
    expect([0, 1, 3].map((k) => changedBlocks(everyRound(0, 4), k))).toEqual([0, 1, 2]);
    expect(changedBlocks(everyRound(1, 4), 0)).toBe(2);
    expect(changedBlocks([[0, 1, 2, 3], [3, 2]], 2)).toBe(1);
    // sparsity 0.9: P_sel = 136, ceil(3.8) = 4 tensors; per token 3328 + 3840 + 2·136 = 7440, x 48
    // = 357,120; + the sampled tensor 48·2·1152/38 = 2910.3157...; memory 4000 + 136·14 + 13,312
    // + 128·2; 4 clients: 544 values, 16 tensor indices; traffic 3·(4000 + 2816 + 136·30 + 26,624).
    expect(hand.blockllm(W1, 4, 'tensor', 136, 4)).toEqual({ flops: 357_120 + (48 * 2 * 1152) / 38, memoryBytes: 19_472, uploadBytes: 272 + 16, downloadBytes: 1088 + 64, trainedParams: 136, memoryTrafficBytes: 112_560 });
    // 20 clients: at most the 1360 selectable values and 38 tensors change.
    expect(hand.blockllm(W1, 20, 'tensor', 136, 4).downloadBytes).toBe(2720 + 152);
    // sparsity 0.1: P_sel = 1224 > 1152 matmul weights: weight gradients for 1152 only.
    expect(hand.blockllm(W1, 1, 'tensor', 1224, 35).flops).toBeCloseTo(48 * (3328 + 3840 + 2304) + (96 * 1152) / 38, 9);
    // Fixed 2·768 + 1536 = 3072 per token (147,456), prunable 6·1152 per token (331,776).
    expect(hand.jcpba(W1, 0.5, 'structured')).toEqual({ flops: 313_344, memoryBytes: 26_880 + 9216, uploadBytes: 1696 + 1152, downloadBytes: 4000, trainedParams: 848 + 576, memoryTrafficBytes: (280_320 * 313_344) / 479_232 });
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
        expectLoad(load('fedavg', {}, { work: w }), hand.fedavg(w));
      });
      it('fedlora (rank 2, q and v)', () => {
        expectLoad(load('fedlora', { rank: 2, targets: ['q', 'v'] }, { work: w }), hand.fedlora(w));
      });
      it('lora-a2 (rank 2, budget 1, q and v; rank 4, budget 1, all projections), rounds 0..3', () => {
        for (const round of [0, 1, 2, 3]) {
          expectLoad(load('lora-a2', { rank: 2, rankBudget: 1, targets: ['q', 'v'] }, { work: w, round }), hand.loraA2(w, round, QV2), `q,v round ${round}`);
          expectLoad(load('lora-a2', { rank: 4, rankBudget: 1 }, { work: w, round }), hand.loraA2(w, round, ALL4), `all round ${round}`);
        }
      });
      it('fedkseed (16 seeds; replay incremental over rounds 0, 1, 5 and 1 or 4 clients; full)', () => {
        for (const round of [0, 1, 5]) {
          for (const clients of [1, 4]) {
            expectLoad(load('fedkseed', { seeds: 16 }, { work: w, round, clients }), hand.fedkseed(w, round, clients, 'incremental'), `round ${round}, ${clients} clients`);
          }
          expectLoad(load('fedkseed', { seeds: 16, replay: 'full' }, { work: w, round }), hand.fedkseed(w, round, 4, 'full'), `round ${round}, full`);
        }
      });
      it('fedcybgd (round/client pairs; given participant histories; download compression)', () => {
        for (const [round, client] of [[0, 0], [0, 1], [0, 3], [1, 0], [1, 1], [2, 3]] as const) {
          expectLoad(load('fedcybgd', {}, { work: w, round, client }), hand.fedcybgd(w, client, changedBlocks(everyRound(round, 4), client)), `round ${round} client ${client}`);
        }
        for (const history of [[[0, 1, 2, 3], [3, 2]], [[1], [0, 1]], [[0, 1, 2, 3], [2, 0], [1, 3, 0]]]) {
          const client = history.at(-1)!.at(-1)!;
          const round = history.length - 1;
          expectLoad(load('fedcybgd', {}, { work: w, round, client, history }), hand.fedcybgd(w, client, changedBlocks(history, client)), JSON.stringify(history));
        }
        for (const part of [0.25, 0.6]) {
          expectLoad(load('fedcybgd', { downloadCompression: part }, { work: w, round: 1, client: 0 }), hand.fedcybgd(w, 0, 2, part), `part ${part}`);
        }
      });
      it('blockllm (sparsity 0.9 and 0.1; tensor and element indices; 1, 4 and 20 clients)', () => {
        for (const [sparsity, sel, k] of [[0.9, 136, 4], [0.1, 1224, 35]] as const) {
          for (const clients of [1, 4, 20]) {
            for (const indices of ['tensor', 'element'] as const) {
              expectLoad(load('blockllm', { sparsity, indices }, { work: w, clients }), hand.blockllm(w, clients, indices, sel, k), `sparsity ${sparsity}, ${clients} clients, ${indices}`);
            }
          }
        }
      });
      it('published defaults: lora-a2 rank 16, budget 2, every projection; blockllm sparsity 0.9, tensor indices', () => {
        for (const round of [0, 1]) {
          expectLoad(load('lora-a2', {}, { work: w, round }), hand.loraA2(w, round, { rank: 16, budget: 2, targets: ALL_PROJ }), `lora-a2 round ${round}`);
        }
        expectLoad(load('blockllm', {}, { work: w }), hand.blockllm(w, 4, 'tensor', 136, 4));
      });
      it('jcpba (rho 0, 0.5, 0.75; structured and unstructured)', () => {
        for (const rho of [0, 0.5, 0.75]) {
          for (const pruning of ['structured', 'unstructured'] as const) {
            expectLoad(load('jcpba', { pruning, rhoMax: 0.8 }, { work: w, rho }), hand.jcpba(w, rho, pruning), `rho ${rho} ${pruning}`);
          }
        }
      });
    });
  }
});
