/**
 * A scenario file's text to a plain document, with a lookup from a field path to its line (for
 * messages). Below the assembled schema (schema.ts, load.ts) so that other file formats (the JCPBA
 * instance files of solvers/) can use it without importing every concept's schema.
 */
import { LineCounter, parseDocument, isNode } from 'yaml';
import { ScenarioError } from './errors.js';

export function parseScenarioText(text: string, file: string): { raw: unknown; lineOf: (path: (string | number)[]) => number | undefined } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Only the first syntax error: the rest are usually the parser losing its footing after it.
    const e = doc.errors[0]!;
    const hint = /flow (map|collection)|Unexpected (comma|flow)/i.test(e.message)
      ? ' (a value with commas inside { } or [ ] must be quoted, e.g. "uniform(1 GB, 2 GB)")'
      : '';
    throw new ScenarioError(file, [{ path: [], line: e.linePos?.[0]?.line, message: `not valid YAML/JSON: ${e.message.split('\n')[0]}${hint}` }]);
  }
  const lineOf = (path: (string | number)[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { raw: doc.toJS(), lineOf };
}
