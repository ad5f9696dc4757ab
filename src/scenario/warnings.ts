/**
 * Warnings about a valid scenario (issue 15): fields that are each fine but contradict one another
 * or are read otherwise than they look. `airtune validate` and `airtune run` print them on stderr
 * (`file: warning: line N, path: message`, as src/radio/validity.ts's) and still exit 0.
 *
 * - a placement disc (`clients.placement.disc.radius`) wider than the cell (`network.cellRadius`):
 *   clients beyond the cell edge, where the path-loss and interference models of the cell do not
 *   apply;
 * - an explicit list of per-client values whose length is not the number of clients it is for
 *   (clients.count at the top level and for fixed links, the group's clients in a group,
 *   src/devices/population.ts): entries repeat or go unused;
 * - `choice(a, b)` without brackets: read as `choice([a, b])`, the documented form.
 */
import type { Dist } from './fields.js';
import type { FieldProblem } from './errors.js';
import { formatQuantity } from './units.js';
import type { Scenario } from './schema.js';
import { assignGroups } from '../devices/population.js';
import { DEVICE_VALUE_FIELDS } from '../devices/config.js';

/** What the warnings read: the validated scenario, the document as written, and its lines (YAML). */
export interface WarningInput {
  scenario: Scenario;
  raw: unknown;
  lineOf?: (path: (string | number)[]) => number | undefined;
}

/** Every warning of the scenario, in the order of its sections, each with its line when known. */
export function scenarioWarnings({ scenario, raw, lineOf }: WarningInput): FieldProblem[] {
  const out = [...placementWarnings(scenario), ...listWarnings(scenario), ...choiceWarnings(raw)];
  return out.map((w) => ({ ...w, line: lineOf?.(w.path) }));
}

function placementWarnings(s: Scenario): FieldProblem[] {
  const radius = s.clients.placement?.disc.radius;
  if (s.network.type !== 'wireless' || radius === undefined || radius <= s.network.cellRadius * (1 + 1e-9)) return [];
  const cell = formatQuantity(s.network.cellRadius, 'length');
  return [{
    path: ['clients', 'placement', 'disc', 'radius'],
    message: `the placement disc (${formatQuantity(radius, 'length')}) is wider than the cell (network.cellRadius ${cell}): clients placed beyond ${cell} are outside the cell, where its path-loss and interference models do not apply; give a radius up to ${cell}, or none (it defaults to the cell radius)`,
  }];
}

/** "a list of 3 values for 5 clients: ..." when `d` is a list of another length than `clients`. */
function listWarning(path: (string | number)[], d: Dist | undefined, clients: number, whose: string): FieldProblem[] {
  if (d?.kind !== 'list' || d.values.length === clients || clients === 0) return [];
  const n = d.values.length;
  const effect =
    n < clients
      ? `the list repeats: ${whose === 'clients' ? 'client' : "the group's client"} i takes entry i mod ${n}`
      : `entries ${clients}..${n - 1} are unused`;
  return [{ path, message: `a list of ${n} values for ${clients} ${whose}: ${effect}; give one value per client, or a distribution` }];
}

function listWarnings(s: Scenario): FieldProblem[] {
  const out: FieldProblem[] = [];
  const c = s.clients;
  // A device file or a FedScale trace sets the number of clients: clients.count need not be given.
  const count = c.file === undefined ? c.count : undefined;
  if (count === undefined) return out;
  const groups = c.groups ?? [];
  const sizes = groups.map(() => 0);
  if (groups.length > 0) for (const g of assignGroups(count, groups.map((x) => x.share))) sizes[g]!++;
  for (const field of DEVICE_VALUE_FIELDS) {
    // A top-level list is for every client (by client number), also in groups that do not set the field.
    const usedAtTop = groups.length === 0 || groups.some((g) => g[field] === undefined);
    if (usedAtTop) out.push(...listWarning(['clients', field], c[field], count, 'clients'));
    groups.forEach((g, gi) => {
      out.push(...listWarning(['clients', 'groups', gi, field], g[field], sizes[gi]!, `clients of group ${gi} (${g.kind}, share ${g.share} of ${count})`));
    });
  }
  if (s.network.type === 'fixed') {
    out.push(...listWarning(['network', 'uplinkRate'], s.network.uplinkRate, count, 'clients'));
    out.push(...listWarning(['network', 'downlinkRate'], s.network.downlinkRate, count, 'clients'));
  }
  return out;
}

const BARE_CHOICE = /^\s*choice\s*\((?!\s*\[)(.*)\)\s*$/s;

/** Every `choice(a, b)` string of the document (anywhere: a sweep value may hold one too). */
function choiceWarnings(raw: unknown): FieldProblem[] {
  const out: FieldProblem[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: raw, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const m = BARE_CHOICE.exec(v);
      if (m && path[0] !== 'description') {
        const fixed = `choice([${m[1]!.trim()}])`;
        out.push({ path, message: `"${v.trim()}" is read as "${fixed}" (one of the values, each as likely); write it with brackets, "${fixed}"` });
      }
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ v: entries[i]![1], path: [...path, entries[i]![0]] });
    }
  }
  return out;
}
