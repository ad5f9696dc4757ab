/**
 * The one way airtune reads an input file (scenario, device file, data file, solver instance):
 * only regular files (not /dev/zero, a FIFO or a folder), at most a stated number of bytes
 * (checked before reading and while reading, as a file may grow), and, for text, valid UTF-8 (a
 * byte-order mark is dropped). Errors name the file and what was wrong; callers turn them into
 * their own input errors (exit 2).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export class InputFileError extends Error {
  override readonly name = 'InputFileError';
  constructor(
    readonly file: string,
    /** Why, without the file name: "cannot read the device file (ENOENT)", "is a folder, not a file", ... */
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

function describeSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} bytes`;
}

/**
 * Open `path` for reading if it is a regular file; returns the descriptor (close it). `what` names
 * the kind of file in messages ("scenario file", "device file").
 */
export function openRegularFile(path: string, what: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new InputFileError(path, `cannot read the ${what} (${code})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory()
        ? 'a folder'
        : st.isCharacterDevice()
          ? 'a character device (such as /dev/zero)'
          : st.isFIFO()
            ? 'a pipe'
            : st.isSocket()
              ? 'a socket'
              : 'not a regular file';
      throw new InputFileError(path, `the ${what} is ${kind}; give a regular file`);
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/** The bytes of a regular file of at most `maxBytes` bytes (see the module comment). */
export function readBoundedFile(path: string, maxBytes: number, what: string): Buffer {
  const fd = openRegularFile(path, what);
  const tooLarge = () =>
    new InputFileError(path, `the ${what} is larger than the limit of ${describeSize(maxBytes)} (src/scenario/limits.ts)`);
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) throw tooLarge();
    // Read until end of file, but never more than maxBytes + 1 (a file may grow while read, and
    // some regular files, e.g. under /proc, report size 0).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(Math.max(size - total, 64 * 1024), maxBytes + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooLarge();
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decode UTF-8 text (a leading byte-order mark is dropped); binary or other encodings are an error. */
export function decodeUtf8(bytes: Uint8Array, file: string, what: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new InputFileError(file, `the ${what} holds binary data (a NUL byte at offset ${nul}), not text`);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new InputFileError(file, `the ${what} is not UTF-8 text (save it as UTF-8)`);
  }
}

/** A regular UTF-8 text file of at most `maxBytes` bytes, and its bytes (for hashing). */
export function readBoundedText(path: string, maxBytes: number, what: string): { text: string; bytes: Buffer } {
  const bytes = readBoundedFile(path, maxBytes, what);
  return { text: decodeUtf8(bytes, path, what), bytes };
}
