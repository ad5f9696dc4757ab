/**
 * The scenario's `name`: it is also the default output folder (`output/<name>/`, sweeps
 * `output/<name>-sweep/`), so it must be one plain folder name. `..` would write into the folder
 * above `output/`, `.` into `output/` itself, a path separator into some other folder, and a name
 * longer than the file system allows (255 bytes on ext4, less once airtune's temporary suffixes are
 * added) would fail only after the whole simulation. A leading "." hides the folder and a leading
 * "-" reads as an option when the folder is named on a command line.
 *
 * Each rule is a separate pattern (so a JSON Schema generated from this keeps them) with its own
 * message naming what was found.
 */
import { z } from 'zod';

/** Longest accepted name, in characters (ASCII only, so also bytes). */
export const NAME_MAX = 100;

function shown(input: unknown): string {
  if (typeof input !== 'string') return String(input);
  return input.length > 40 ? `"${input.slice(0, 40)}..." (${input.length} characters)` : JSON.stringify(input);
}

const rule = (pattern: RegExp, expected: string) =>
  [pattern, { error: (iss: { input?: unknown }) => `${expected}, found ${shown(iss.input)}` }] as const;

export const scenarioNameSchema = z
  .string()
  .regex(...rule(/^[\s\S]+$/, 'expected a name for the output folder (letters, digits, ".", "_" or "-")'))
  .regex(...rule(/^[^/\\]*$/, 'expected a plain folder name without "/" or "\\" (the name is the output folder output/<name>/)'))
  .regex(
    ...rule(
      /^(?![.-])/,
      'expected a name starting with a letter, digit or "_" (it names the output folder: "." and ".." would put the outputs outside output/<name>/, a leading "." hides the folder, a leading "-" reads as a command-line option)',
    ),
  )
  .regex(...rule(/^[A-Za-z0-9._/\\-]*$/, 'expected a name of letters, digits, ".", "_" or "-"'))
  .regex(...rule(new RegExp(`^[\\s\\S]{0,${NAME_MAX}}$`), `expected a name of at most ${NAME_MAX} characters (it names the output folder)`));
