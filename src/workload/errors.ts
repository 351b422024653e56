// Input problems are values with a location until the CLI turns them into one line and exit code 2.

/** Where in a workload a problem was found. Every part is optional: a JSON syntax error has only
 * `file` and `position`, a schema error has `path`, a replay error has all the rest. */
export interface Location {
  /** The workload file as the user named it. */
  file: string;
  /** `12:5` for JSON syntax errors, or `line 7` of an NDJSON file. */
  position?: string;
  /** JSON path of the offending value, e.g. `events[12].to` or `events[2].body[1]`. */
  path?: string;
  /** Index of the event after `repeat` expansion. */
  eventIndex?: number;
  /** Iterations of the enclosing repeats, outermost first, e.g. `[{ var: 'i', index: 3 }]`. */
  iterations?: { var: string; index: number }[];
  /** The traced program's file and line the event belongs to, with its text when known. */
  sourceFile?: string;
  sourceLine?: number;
  sourceText?: string;
}

export class WorkloadError extends Error {
  constructor(
    readonly location: Location,
    /** What is wrong, e.g. `unknown object 'n7'`. */
    readonly reason: string,
    /** What to do about it, e.g. `allocate it with an "alloc" event first`. */
    readonly hint?: string,
  ) {
    super(reason);
    this.name = 'WorkloadError';
  }
}

/** Several problems found at once (schema validation reports all of them). */
export class WorkloadErrors extends Error {
  constructor(readonly errors: WorkloadError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'WorkloadErrors';
  }
}

/** Usage mistakes on the command line (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Node's ways of saying that a file does not fit in one string (about 512 MiB of text) or buffer. */
function isTooLarge(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return (
    e?.code === 'ERR_STRING_TOO_LONG' ||
    e?.code === 'ERR_FS_FILE_TOO_LARGE' ||
    (err instanceof RangeError && /Invalid string length|Array buffer allocation failed/.test(err.message))
  );
}

/**
 * Why a file could not be read: a system call failed (ENOENT, EACCES, EISDIR, EIO…), or a `.json`
 * file does not fit in one string. Null for any other error: that is a bug, or (a string too long
 * in an NDJSON file) a resource problem, and must reach the user as what it is, not as a bad file.
 */
export function ioReason(err: unknown, ndjson = false): string | null {
  if (!ndjson && isTooLarge(err)) {
    return 'cannot read file: too large for one JSON document (write it as NDJSON: a header line, then one event per line)';
  }
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.syscall !== 'string') return null;
  // "ENOENT: no such file or directory, open 'x.json'": the file is named already.
  return `cannot read file: ${e.message.replace(/, \w+ '[^]*'$/, '')}`;
}

/** The input problem for a file that could not be read, or `err` itself when it is no read error. */
export function readError(file: string, err: unknown, ndjson = false): unknown {
  const reason = ioReason(err, ndjson);
  return reason === null ? err : new WorkloadError({ file }, reason);
}
