/**
 * `airtune costs <scenario>`: per method, a client's per-round load (round 0) and which clients'
 * memory is too small to run it.
 */
import type { Architecture } from '../costs/architecture.js';
import { paramCount } from '../costs/params.js';
import type { LocalWork } from '../costs/schema.js';
import { formatBytes, formatCount, formatFlops } from '../costs/units.js';
import { getMethod } from './registry.js';
import { memoryFits } from '../devices/device.js';

export interface MethodChoice {
  id: string;
  params?: unknown;
}

/** Range text: "x" when all equal, "lo – hi" otherwise. */
function range(values: number[], fmt: (v: number) => string): string {
  // reduce, not Math.min(...values): one value per client, and a spread of 10^5 overflows the stack.
  const lo = values.reduce((a, b) => Math.min(a, b), Infinity);
  const hi = values.reduce((a, b) => Math.max(a, b), -Infinity);
  return lo === hi ? fmt(lo) : `${fmt(lo)} – ${fmt(hi)}`;
}

function indexList(indices: number[], max = 12): string {
  if (indices.length === 0) return 'none';
  const shown = indices.slice(0, max).join(', ');
  return `${indices.length} (${shown}${indices.length > max ? ', ...' : ''})`;
}

/** One client's per-round load as `airtune costs --json` prints it (numbers in FLOPs and bytes). */
export interface ClientLoadJson {
  client: number;
  flops: number;
  memory_bytes: number;
  upload_bytes: number;
  download_bytes: number;
  trained_params: number;
  memory_traffic_bytes: number | null;
  /** Memory needed to take part (JCPBA: at rho_max) and whether the client has it. */
  memory_needed_bytes: number;
  fits: boolean;
}

export interface MethodLoadsJson {
  method: string;
  params: Record<string, unknown>;
  formula: string;
  round: number;
  clients: ClientLoadJson[];
}

/** Method `choice`'s round-`round` loads for clients with the given memory (the table's data). */
export function methodLoads(arch: Architecture, work: LocalWork, choice: MethodChoice, memoryBytesPerClient: number[], round = 0): MethodLoadsJson {
  const method = getMethod(choice.id);
  const params = method.paramsSchema.parse(choice.params ?? {}) as Record<string, unknown>;
  const n = Math.max(memoryBytesPerClient.length, 1);
  // Methods with a pruning split can shrink memory down to rho_max.
  const rhoMax = typeof params.rhoMax === 'number' ? params.rhoMax : 0;
  const clients = Array.from({ length: n }, (_, k) => {
    const l = method.load({ arch, work, round, client: k, clients: n }, params);
    const needed = l.split ? l.split.fixedMemoryBytes + (1 - rhoMax) * l.split.prunableMemoryBytes : l.memoryBytes;
    return {
      client: k,
      flops: l.flops,
      memory_bytes: l.memoryBytes,
      upload_bytes: l.uploadBytes,
      download_bytes: l.downloadBytes,
      trained_params: l.trainedParams,
      memory_traffic_bytes: l.memoryTrafficBytes ?? null,
      memory_needed_bytes: needed,
      // memoryFits: the one tolerance of every fit decision (the run's device check, the JCPBA planner and solver).
      fits: memoryBytesPerClient.length === 0 ? true : memoryFits(needed, memoryBytesPerClient[k]!),
    };
  });
  return { method: choice.id, params, formula: method.formula, round, clients };
}

export function formatCostTable(
  arch: Architecture,
  work: LocalWork,
  methods: MethodChoice[],
  memoryBytesPerClient: number[],
): string {
  const clients = memoryBytesPerClient.length;
  const header = [
    'method',
    'trained params',
    'FLOPs/round',
    'peak memory',
    'upload/round',
    'download/round',
    'clients without enough memory',
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const choice of methods) {
    const { params, clients: loadsJson } = methodLoads(arch, work, choice, memoryBytesPerClient);
    const loads = loadsJson.map((l) => ({
      trainedParams: l.trained_params,
      flops: l.flops,
      memoryBytes: l.memory_bytes,
      uploadBytes: l.upload_bytes,
      downloadBytes: l.download_bytes,
    }));
    // Methods with a pruning split can shrink memory down to rho_max: a client is too small only
    // if it cannot fit even then.
    const rhoMax = typeof params.rhoMax === 'number' ? params.rhoMax : 0;
    const needed = loadsJson.map((l) => l.memory_needed_bytes);
    const tooSmall = loadsJson.flatMap((l) => (l.fits ? [] : [l.client]));
    if (getMethod(choice.id).load({ arch, work, round: 0, client: 0, clients: 1 }, params).split) {
      notes.push(`${choice.id}: loads at rho = 0; memory check at rho_max = ${rhoMax} (needs ${range(needed, formatBytes)})`);
    }
    rows.push([
      choice.id,
      range(
        loads.map((l) => l.trainedParams),
        formatCount,
      ),
      range(
        loads.map((l) => l.flops),
        formatFlops,
      ),
      range(
        loads.map((l) => l.memoryBytes),
        formatBytes,
      ),
      range(
        loads.map((l) => l.uploadBytes),
        formatBytes,
      ),
      range(
        loads.map((l) => l.downloadBytes),
        formatBytes,
      ),
      clients === 0 ? '-' : indexList(tooSmall),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const title =
    `${arch.name}: ${formatCount(paramCount(arch))} params, weights ${work.weights}, seqLen ${work.seqLen}, ` +
    `batch ${work.batchSize}, ${work.localSteps} local steps, ${work.optimizer}` +
    `${work.activationCheckpointing ? ', activation checkpointing' : ''}; ${clients} clients (round 0)`;
  return [
    title,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...notes.map((n) => `note: ${n}`),
  ].join('\n');
}
