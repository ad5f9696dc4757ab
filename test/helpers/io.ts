import { vi } from 'vitest';

/** Capture what the CLI writes to stdout and stderr (restore with vi.restoreAllMocks()). */
export function capture(): { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s: any) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: any) => (err.push(String(s)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}

/** Run the CLI in-process with `airtune <args>`: its exit code and what it printed. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import('../../src/cli/main.js');
  const io = capture();
  try {
    const code = await main(['node', 'airtune', ...args]);
    return { code, out: io.out(), err: io.err() };
  } finally {
    vi.restoreAllMocks();
  }
}
