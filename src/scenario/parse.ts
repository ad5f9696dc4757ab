/**
 * A scenario file's text to a plain document, with a lookup from a field path to its line (for
 * messages). Below the assembled schema (schema.ts, load.ts) so that other file formats (the JCPBA
 * instance files of solvers/) can use it without importing every concept's schema. The structure
 * checks (depth, size, duplicate keys, aliases) run before anything is built from the document
 * (issue 10: alias bombs, deep nesting and 100,000-key mappings are exit 2, not a stack or a hang).
 */
import { LineCounter, parseDocument, isAlias, isMap, isNode, isPair, isScalar, isSeq, type Document } from 'yaml';
import { LIMITS } from './limits.js';
import { ScenarioError, type FieldProblem } from './errors.js';

/** "Maximum call stack size exceeded" from the parser or toJS: the document nests too deeply. */
function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

const TOO_DEEP = `nested too deeply (more than ${LIMITS.yamlDepth} levels of mappings and lists; limits in src/scenario/limits.ts)`;

/**
 * Structure checks before anything is built from the document, in one pass without recursion:
 * nesting depth, node count, keys per mapping, duplicate keys, keys that are not plain scalars,
 * and aliases whose anchor is not defined before them (also under a merge key `<<`).
 */
function structureProblems(doc: Document.Parsed, lineAt: (node: unknown) => number | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const anchors = new Set<string>();
  let nodes = 0;
  // Pre-order, left to right: anchors are defined in document order.
  const stack: { node: unknown; path: (string | number)[]; parentKey?: string }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path, parentKey } = stack.pop()!;
    if (node === null || node === undefined) continue;
    if (++nodes > LIMITS.yamlNodes) {
      problems.push({ path: [], message: `more than ${LIMITS.yamlNodes.toLocaleString('en-US')} values (mappings, lists and scalars); limits in src/scenario/limits.ts` });
      break;
    }
    if (path.length > LIMITS.yamlDepth) {
      problems.push({ path: path.slice(0, 8), line: lineAt(node), message: TOO_DEEP });
      break;
    }
    if (isAlias(node)) {
      if (!anchors.has(node.source)) {
        problems.push({
          path,
          line: lineAt(node),
          message:
            parentKey === '<<'
              ? `merge key "<<: *${node.source}" refers to an anchor &${node.source} that is not defined before it`
              : `undefined alias *${node.source} (no anchor &${node.source} before it)`,
        });
      }
      continue;
    }
    if (isNode(node) && node.anchor) anchors.add(node.anchor);
    const children: typeof stack = [];
    if (isMap(node)) {
      if (node.items.length > LIMITS.yamlKeys) {
        problems.push({ path, line: lineAt(node), message: `a mapping with ${node.items.length.toLocaleString('en-US')} keys, more than the limit of ${LIMITS.yamlKeys.toLocaleString('en-US')} (limits in src/scenario/limits.ts)` });
        continue;
      }
      const seen = new Map<string, number | undefined>();
      for (const pair of node.items) {
        const key = pair.key;
        if (!isScalar(key) || (key.value !== null && typeof key.value === 'object')) {
          problems.push({ path, line: lineAt(key), message: 'a mapping key must be a plain name or number, found a list, mapping or alias as a key' });
          continue;
        }
        const name = String(key.value);
        if (seen.has(name)) {
          const first = seen.get(name);
          problems.push({ path: [...path, name], line: lineAt(key), message: `duplicate key "${name}"${first !== undefined ? ` (first at line ${first})` : ''}` });
        } else seen.set(name, lineAt(key));
        children.push({ node: pair.value, path: [...path, name], parentKey: name });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => children.push({ node: item, path: [...path, i] }));
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return problems;
}

export function parseScenarioText(text: string, file: string): { raw: unknown; lineOf: (path: (string | number)[]) => number | undefined } {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    // uniqueKeys: false: duplicates are found below in linear time (yaml's own check is quadratic).
    doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    throw new ScenarioError(file, [{ path: [], message: `not valid YAML/JSON: ${TOO_DEEP}` }]);
  }
  if (doc.errors.length > 0) {
    // Only the first syntax error: the rest are usually the parser losing its footing after it.
    const e = doc.errors[0]!;
    const hint = /flow (map|collection)|Unexpected (comma|flow)/i.test(e.message)
      ? ' (a value with commas inside { } or [ ] must be quoted, e.g. "uniform(1 GB, 2 GB)")'
      : '';
    const what = /call stack/i.test(e.message) ? TOO_DEEP : e.message.split('\n')[0];
    throw new ScenarioError(file, [{ path: [], line: e.linePos?.[0]?.line, message: `not valid YAML/JSON: ${what}${hint}` }]);
  }
  const lineAt = (node: unknown): number | undefined =>
    isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : isPair(node) ? lineAt(node.key) : undefined;
  const structure = structureProblems(doc, lineAt);
  if (structure.length > 0) throw new ScenarioError(file, structure);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: LIMITS.yamlAliasCount });
  } catch (e) {
    if (isStackOverflow(e)) throw new ScenarioError(file, [{ path: [], message: `not valid YAML/JSON: ${TOO_DEEP}` }]);
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      const bomb = /excessive alias count/i.test(e.message);
      throw new ScenarioError(file, [{
        path: [],
        message: bomb
          ? `alias bomb: the aliases (*name) expand to too many values (yaml maxAliasCount ${LIMITS.yamlAliasCount}); write the values out or use fewer aliases`
          : `bad alias: ${e.message}`,
      }]);
    }
    throw e;
  }
  const lineOf = (path: (string | number)[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { raw, lineOf };
}
