/**
 * Per-round compute and peak memory of a client's local training, for a description of what is
 * trained (`TrainingPlan`). Every method in src/methods reduces to one plan (or, for zeroth-order
 * methods, to `inferenceCost`).
 */
import type { Architecture } from './architecture.js';
import { backwardFlopsPerToken, forwardFlopsPerToken, recomputeFlopsPerToken } from './flops.js';
import { activationBytes } from './memory.js';
import { headMatmulParams, layerMatmulParams, paramCount } from './params.js';
import {
  bytesPerValue,
  computeBytesPerValue,
  masterCopyBytesPerParam,
  optimizerStateBytesPerParam,
  trainingStateBytesPerParam,
} from './precision.js';
import type { LocalWork } from './schema.js';

export interface TrainingPlan {
  /** Base-model parameters that are trained (gradient, master copy, optimizer state). */
  trainedBaseParams: number;
  /** Of those, matmul weight values (their weight gradients cost 2 FLOPs/value/token). */
  trainedBaseMatmulParams: number;
  /** Adapter weights added to the model (all of them are matmul weights). */
  adapterParams?: number;
  /** Of the adapter weights, those trained. */
  trainedAdapterParams?: number;
  /** Lowest layer the backward pass reaches (0 = all; arch.layers = head only). */
  backpropFromLayer: number;
}

export interface TrainingCost {
  tokensPerStep: number;
  forwardFlopsPerToken: number;
  backwardFlopsPerToken: number;
  recomputeFlopsPerToken: number;
  /** FLOPs of the round: localSteps × tokensPerStep × (forward + backward + recompute). */
  flops: number;
  weightBytes: number;
  adapterBytes: number;
  trainingStateBytes: number;
  activationBytes: number;
  /** Peak memory: weights + adapters + training state + activations. */
  memoryBytes: number;
  /** Bytes moved between memory and the cores in the round (`trainingTrafficBytes`). */
  memoryTrafficBytes: number;
}

export const tokensPerStep = (work: LocalWork): number => work.seqLen * work.batchSize;

/** Bytes of the stored model weights. */
export const modelWeightBytes = (arch: Architecture, work: LocalWork): number =>
  paramCount(arch) * bytesPerValue(work.weights);

export function trainingCost(arch: Architecture, work: LocalWork, plan: TrainingPlan): TrainingCost {
  const adapters = plan.adapterParams ?? 0;
  const trainedAdapters = plan.trainedAdapterParams ?? 0;
  const fwd = forwardFlopsPerToken(arch, work.seqLen, adapters);
  const bwd = backwardFlopsPerToken(arch, work.seqLen, {
    fromLayer: plan.backpropFromLayer,
    trainedMatmulParams: plan.trainedBaseMatmulParams + trainedAdapters,
    extraMatmulParams: adapters,
  });
  const recompute = work.activationCheckpointing
    ? recomputeFlopsPerToken(arch, work.seqLen, plan.backpropFromLayer, adapters)
    : 0;
  const tokens = tokensPerStep(work);
  const weightBytes = modelWeightBytes(arch, work);
  const adapterBytes = adapters * computeBytesPerValue(work.weights);
  const trainingStateBytes =
    (plan.trainedBaseParams + trainedAdapters) * trainingStateBytesPerParam(work.weights, work.optimizer);
  const act = activationBytes(arch, work.seqLen, work.batchSize, {
    backpropLayers: arch.layers - plan.backpropFromLayer,
    checkpointing: work.activationCheckpointing,
    weights: work.weights,
  });
  return {
    tokensPerStep: tokens,
    forwardFlopsPerToken: fwd,
    backwardFlopsPerToken: bwd,
    recomputeFlopsPerToken: recompute,
    flops: work.localSteps * tokens * (fwd + bwd + recompute),
    weightBytes,
    adapterBytes,
    trainingStateBytes,
    activationBytes: act,
    memoryBytes: weightBytes + adapterBytes + trainingStateBytes + act,
    memoryTrafficBytes: work.localSteps * trainingTrafficBytesPerStep(arch, work, plan, act),
  };
}

/**
 * Bytes a training step moves between memory and the cores, a lower bound that counts every tensor
 * once per use and no reuse across uses (the counting of Ivanov et al. 2021, "Data Movement Is
 * All You Need", for transformer training; the roofline's denominator, Williams et al. 2009):
 * the weights (and adapters) read by the forward pass, the back-propagated layers' and head's
 * matmul weights and the adapters read again for the input gradients (the layers' weights and the
 * adapters once more when recomputed: the recomputed forward runs through both), each trained
 * parameter's gradient written and read, its master copy and optimizer states read and written
 * and its weight written, and the stored activations written and read back.
 */
export function trainingTrafficBytesPerStep(arch: Architecture, work: LocalWork, plan: TrainingPlan, activationBytesStored: number): number {
  const wb = bytesPerValue(work.weights);
  const cb = computeBytesPerValue(work.weights);
  const adapters = plan.adapterParams ?? 0;
  const trained = plan.trainedBaseParams + (plan.trainedAdapterParams ?? 0);
  const layersBp = arch.layers - Math.min(Math.max(plan.backpropFromLayer, 0), arch.layers);
  const bpMatmul = layersBp * layerMatmulParams(arch) + headMatmulParams(arch);
  const forward = paramCount(arch) * wb + adapters * cb;
  const recompute = work.activationCheckpointing ? layersBp * layerMatmulParams(arch) * wb + adapters * cb : 0;
  const backward = bpMatmul * wb + adapters * cb + recompute;
  const state = trained * (2 * cb + 2 * (masterCopyBytesPerParam(work.weights) + optimizerStateBytesPerParam(work.optimizer)) + cb);
  return forward + backward + state + 2 * activationBytesStored;
}

/** Forward-only pass (zeroth-order methods): weights plus one layer's activations and logits. */
export function inferenceMemoryBytes(arch: Architecture, work: LocalWork): number {
  return (
    modelWeightBytes(arch, work) +
    activationBytes(arch, work.seqLen, work.batchSize, { backpropLayers: 0, checkpointing: false, weights: work.weights })
  );
}
