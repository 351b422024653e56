// Reading a text file line by line, a large chunk at a time, for NDJSON traces too big to hold whole.
//
// readline costs an event callback and an async iterator step per line; here a line costs an
// `indexOf` and a `slice`. Chunks are read synchronously: a replay has nothing else to do while it
// waits, and a loop without awaits costs nothing per event. The bytes of a chunk are decoded
// up to its last line break (a UTF-8 character never contains one) into one string; the rest waits
// at the front of the buffer for the next read. Memory stays one chunk, or one line if longer, and a
// line may not be longer than a cap (64 MiB for workloads): a file without line breaks (`/dev/zero`)
// would otherwise grow the buffer until the process dies.
import { closeSync, openSync, readSync } from 'node:fs';
import { MAX_LINE_BYTES } from './schema.js';

/** Bytes read at a time. */
const CHUNK_BYTES = 1 << 16;

/** A line is longer than the reader's cap. */
export class LineTooLongError extends Error {
  constructor(
    /** The 1-based number of the line. */
    readonly lineNumber: number,
    readonly maxLineBytes: number,
  ) {
    super(`line ${lineNumber} is longer than ${maxLineBytes} bytes`);
    this.name = 'LineTooLongError';
  }
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Where the complete lines of `bytes` end: just after the last line break, or 0 when there is none.
 * A `\r` at the very end may be the first half of a `\r\n` and waits for more. Only the bytes after
 * the last `\n` are searched for a lone `\r`: most files hold none.
 */
function endOfLines(bytes: Buffer): number {
  let end = bytes.lastIndexOf(LF) + 1;
  for (let cr = bytes.indexOf(CR, end); cr >= 0 && cr < bytes.length - 1; cr = bytes.indexOf(CR, cr + 1)) end = cr + 1;
  return end;
}

/**
 * The lines of a UTF-8 file, split as readline splits them: at `\n`, `\r\n` and a lone `\r`; the
 * last line may lack its break; a byte order mark that starts the file is dropped. `next` hands out
 * the lines of the chunks read so far, `fill` reads more.
 */
export class LineReader {
  /** The 1-based number of the line `next` returned last. */
  lineNumber = 0;
  /** Complete lines, each ended by `\n` (the file's last line perhaps not). */
  private lines = '';
  private position = 0;
  private buffer: Buffer;
  /** Bytes at the front of `buffer` not decoded yet: the start of a line that runs past them. */
  private carried = 0;
  private ended = false;

  private constructor(
    private readonly fd: number,
    chunkBytes: number,
    private readonly maxLineBytes: number,
  ) {
    // A buffer no longer than the cap holds no line longer than it; past the cap (grow) only the
    // line that made it grow can be too long.
    this.buffer = Buffer.allocUnsafe(Math.max(1, Math.min(chunkBytes, maxLineBytes)));
  }

  /** `chunkBytes`: bytes read at a time (tests make it small to split lines and characters);
   * `maxLineBytes`: the longest line, its line break not counted. */
  static open(file: string, chunkBytes = CHUNK_BYTES, maxLineBytes = MAX_LINE_BYTES): LineReader {
    return new LineReader(openSync(file, 'r'), chunkBytes, maxLineBytes);
  }

  /** The next line of the chunks read so far, or null when they hold no more (then `fill`). */
  next(): string | null {
    const lines = this.lines;
    const start = this.position;
    if (start >= lines.length) return null;
    let end = lines.indexOf('\n', start);
    if (end < 0) end = lines.length;
    this.position = end + 1;
    // A byte order mark may start the file: it is no part of line 1.
    if (++this.lineNumber === 1 && lines.charCodeAt(start) === 0xfeff) return lines.slice(start + 1, end);
    return lines.slice(start, end);
  }

  /** Reads on until more lines are complete; false at the end of the file. Throws LineTooLongError
   * when the line being read is longer than the cap. */
  fill(): boolean {
    while (!this.ended) {
      if (this.carried === this.buffer.length) this.grow();
      const bytesRead = readSync(this.fd, this.buffer, this.carried, this.buffer.length - this.carried, null);
      const filled = this.carried + bytesRead;
      let end = filled;
      if (bytesRead === 0) {
        this.ended = true;
        if (filled === 0) return false;
        // The last line, without a line break (a lone `\r` at its end is one).
        if (filled - (this.buffer[filled - 1] === CR ? 1 : 0) > this.maxLineBytes) this.tooLong();
      } else {
        end = endOfLines(this.buffer.subarray(0, filled));
        if (end === 0) {
          this.carried = filled;
          continue;
        }
        if (this.buffer.length > this.maxLineBytes && this.firstLineLength(end) > this.maxLineBytes) this.tooLong();
      }
      const text = this.buffer.toString('utf8', 0, end);
      this.buffer.copy(this.buffer, 0, end, filled);
      this.carried = filled - end;
      this.lines = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
      this.position = 0;
      return true;
    }
    return false;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Room for a line longer than the buffer: at most the longest line and a `\r\n`. */
  private grow(): void {
    const most = this.maxLineBytes + 2;
    // The buffer is full and holds no line break but perhaps a `\r` at its very end.
    if (this.buffer.length >= most) this.tooLong();
    const bigger = Buffer.allocUnsafe(Math.min(this.buffer.length * 2, most));
    this.buffer.copy(bigger, 0, 0, this.carried);
    this.buffer = bigger;
  }

  /** Bytes of the buffer's first line, which ends before `end`. */
  private firstLineLength(end: number): number {
    const lines = this.buffer.subarray(0, end);
    const lf = lines.indexOf(LF);
    const cr = lines.indexOf(CR);
    return Math.min(lf >= 0 ? lf : end, cr >= 0 ? cr : end);
  }

  /** `fill` runs once `next` has handed out every line read so far: the long one is the next. */
  private tooLong(): never {
    throw new LineTooLongError(this.lineNumber + 1, this.maxLineBytes);
  }
}
