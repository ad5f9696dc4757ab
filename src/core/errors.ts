/** A bad command line: exit code 2, like a bad scenario. */
export class UsageError extends Error {}
