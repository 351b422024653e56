// What every command shares: its options, how a failure becomes a message and an exit code, and
// how output reaches a file without ever leaving half of one behind.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Argv } from 'yargs';
import type { ReplayOptions, ReplayOutcome } from '../replay/replay.js';
import type { LoadedWorkload } from '../workload/loaded.js';
import { UNITS, type RenderOptions, type UnitChoice } from '../report/units.js';
import { UsageError } from '../workload/errors.js';
import { formatInputProblem } from '../workload/format.js';
import { pythonVersionSchema, type PythonVersion } from '../workload/schema.js';
import { estimateNdjsonEvents, Progress } from './progress.js';

export const MEMORY_MODELS = ['live', 'pymalloc'] as const;
export type MemoryModelName = (typeof MEMORY_MODELS)[number];

/** SPEC §1: with several files the highest code wins. */
export const EXIT_OK = 0;
export const EXIT_LIMIT_EXCEEDED = 1;
export const EXIT_INVALID = 2;
export const EXIT_INTERNAL = 3;

interface PackageJson {
  version: string;
  bugs?: string | { url?: string };
}

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson;

export const VERSION = packageJson.version;
const BUG_TRACKER =
  (typeof packageJson.bugs === 'string' ? packageJson.bugs : packageJson.bugs?.url) ?? 'the memprof issue tracker';

/**
 * A command that has already said what went wrong and only needs the process to end with `code`
 * (validate's invalid files, run's `--fail-on-leak`).
 */
export class ExitStatus extends Error {
  constructor(readonly code: number) {
    super(`exit status ${code}`);
    this.name = 'ExitStatus';
  }
}

/** The output file could not be written: the user's to fix (exit 2), not a bug. */
export class OutputError extends UsageError {}

export interface CommonArgs {
  quiet: boolean;
  debug: boolean;
}

export interface OutputArgs extends CommonArgs {
  output?: string;
}

export interface RenderArgs extends OutputArgs {
  unit: UnitChoice;
  precision: number;
  color: boolean;
}

export interface ReplayArgs {
  python?: PythonVersion;
  interval?: number;
  maxPoints?: number;
  memoryModel?: MemoryModelName;
  /** `--progress` / `--no-progress`; undefined: on a terminal, for replays that take a while. */
  progress?: boolean;
}

export function withCommonOptions<T>(y: Argv<T>): Argv<T & CommonArgs> {
  return y
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'print nothing but errors and the "wrote FILE" notice (with -o the report still goes to the file)',
    })
    .option('debug', { type: 'boolean', default: false, describe: 'show the stack trace of an internal error' });
}

export function withOutputOptions<T>(y: Argv<T>): Argv<T & OutputArgs> {
  return withCommonOptions(y).option('output', {
    alias: 'o',
    type: 'string',
    requiresArg: true,
    describe: 'write to FILE instead of stdout (atomically: a temp file beside it, then a rename)',
  });
}

function positiveNumber(flag: string, integer: boolean) {
  return (value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new UsageError(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got '${String(value)}'`);
    }
    return n;
  };
}

export function withRenderOptions<T>(y: Argv<T>): Argv<T & RenderArgs> {
  return withOutputOptions(y)
    .option('unit', {
      choices: ['auto', ...UNITS] as UnitChoice[],
      default: 'auto' as UnitChoice,
      describe: 'unit of byte figures; auto picks one per table from its peak',
    })
    .option('precision', {
      type: 'number',
      default: 1,
      requiresArg: true,
      describe: 'decimals of byte figures (memory_profiler\'s precision)',
      coerce: (value: unknown) => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0 || n > 12) {
          throw new UsageError(`--precision must be an integer from 0 to 12, got '${String(value)}'`);
        }
        return n;
      },
    })
    .option('color', {
      type: 'boolean',
      default: true,
      describe: 'colour on a terminal (--no-color or the NO_COLOR variable turn it off; never in files)',
    });
}

export function withReplayOptions<T>(y: Argv<T>): Argv<T & ReplayArgs> {
  return y
    .option('python', {
      // A string, or yargs would read "3.10" as the number 3.1.
      type: 'string',
      choices: pythonVersionSchema.options,
      requiresArg: true,
      describe: 'CPython model to replay on (overrides the workload\'s "python")',
    })
    .option('interval', {
      type: 'number',
      requiresArg: true,
      describe: 'timeline sampling interval in clock units (ms, or events when no event has "t"); default automatic',
      coerce: positiveNumber('interval', false),
    })
    .option('max-points', {
      type: 'number',
      requiresArg: true,
      describe: 'most timeline points kept, at least 2 (min/max bucketing never loses the peak); default 2000',
      // A timeline needs its start and its end: with one point a chart has no time axis.
      coerce: (value: unknown): number | undefined => {
        if (value === undefined) return undefined;
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < 2) throw new UsageError(`--max-points must be an integer of at least 2, got '${String(value)}'`);
        return n;
      },
    })
    .option('memory-model', {
      choices: MEMORY_MODELS,
      requiresArg: true,
      describe: 'live: baseline + live bytes (like tracemalloc); pymalloc: also model CPython\'s arenas and pools, the RSS memory_profiler sees',
    })
    .option('progress', {
      type: 'boolean',
      describe: 'events, rate and ETA on stderr while replaying (default: on a terminal, once a replay takes over a second)',
    }) as unknown as Argv<T & ReplayArgs>;
}

export function replayOptions(args: ReplayArgs): ReplayOptions {
  const options: ReplayOptions = {};
  if (args.python !== undefined) options.python = args.python;
  if (args.interval !== undefined) options.interval = args.interval;
  if (args.maxPoints !== undefined) options.maxPoints = args.maxPoints;
  if (args.memoryModel !== undefined) options.memoryModel = args.memoryModel;
  return options;
}

/** The engine is loaded on first use, so `--help`, `schema` and `plot report.json` start without it. */
export async function replay(workload: LoadedWorkload, args: ReplayArgs): Promise<ReplayOutcome> {
  const { replayWorkload } = await import('../replay/replay.js');
  const options = replayOptions(args);
  if (args.progress === false) return replayWorkload(workload, options);
  const expected = await estimateNdjsonEvents(workload.file);
  const progress = new Progress(process.stderr, {
    mode: args.progress,
    ...(expected !== undefined ? { expectedEvents: expected, estimated: true } : {}),
  });
  if (!progress.enabled) return replayWorkload(workload, options);
  options.onProgress = (events) => progress.update(events);
  try {
    return await replayWorkload(workload, options);
  } finally {
    progress.done();
  }
}

/** Colour only on a terminal, never in a file, and never when the user or NO_COLOR says no. */
export function wantsColor(args: RenderArgs, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!args.color || args.output !== undefined) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return process.stdout.isTTY === true;
}

export function renderOptions(args: RenderArgs, format: string): RenderOptions {
  return { unit: args.unit, precision: args.precision, color: format === 'text' && wantsColor(args) };
}

/**
 * Writes `text` to `file` so that readers see the old file or the whole new one, never a part:
 * a temp file in the same directory (same filesystem, so rename is atomic), flushed, then renamed.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    // "ENOENT: no such file or directory, open '/x/.y.tmp'": the path shown is the temp file's.
    const reason = (err as Error).message.replace(/, \w+ '.*'$/, '');
    throw new OutputError(`cannot write ${file}: ${reason}`);
  }
}

/** The report to stdout, or to `-o FILE` with a notice on stderr (the notice survives `--quiet`). */
export async function emit(text: string, args: OutputArgs): Promise<void> {
  if (args.output !== undefined) {
    await writeFileAtomic(args.output, text);
    process.stderr.write(`memprof: wrote ${args.output}\n`);
  } else if (!args.quiet) {
    process.stdout.write(text);
  }
}

/** Prints what went wrong, once, and returns the exit code for it. */
export function reportFailure(err: unknown, debug: boolean): number {
  if (err instanceof ExitStatus) return err.code;
  const lines = formatInputProblem(err);
  if (lines !== null) {
    process.stderr.write(lines.map((l) => `${l}\n`).join(''));
    return EXIT_INVALID;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`memprof: ${err.message}\n`);
    return EXIT_INVALID;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`memprof: internal error: ${firstLine(message)} — please report this at ${BUG_TRACKER}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_INTERNAL;
}

function firstLine(s: string): string {
  const n = s.indexOf('\n');
  return n < 0 ? s : s.slice(0, n);
}
