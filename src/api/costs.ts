/**
 * The `costs` namespace of the library (`import { costs } from 'airtune'`): the LLM cost model of
 * src/costs (architectures and presets, parameter counts, FLOPs per token, memory, bytes) and each
 * method's per-round client load (`airtune costs`, src/methods/loads.ts).
 */
export * from '../costs/index.js';
export { formatCostTable, methodLoads, type ClientLoadJson, type MethodChoice, type MethodLoadsJson } from '../methods/loads.js';
