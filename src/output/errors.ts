/**
 * Output-folder errors the user can act on. `exitCode` is what the CLI exits with (it prints the
 * message, no stack): 2 for a bad output folder found before simulating (unwritable, a file, in use,
 * holding files airtune did not write), 1 for a failure while writing.
 */
export class OutputError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
    this.name = 'OutputError';
  }
}
