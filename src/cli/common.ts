// What every command shares: its options, how a workload file is named, how a failure becomes a
// message and an exit code, and how output reaches its place (./output.ts). main.ts and every
// command's definition (./commands/) import it before parsing, so it imports nothing of the engine.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { getHeapStatistics } from 'node:v8';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { ReplayOptions, ReplayOutcome } from '../replay/replay.js';
import type { LoadedWorkload } from '../workload/loaded.js';
import { UNITS, type RenderOptions, type UnitChoice } from '../report/units.js';
import { readError, UsageError, WorkloadError } from '../workload/errors.js';
import { formatInputProblem, formatWorkloadError } from './problems.js';
import type { PythonVersion } from '../workload/schema.js';
import { PYTHON_VERSIONS } from '../workload/versions.js';
import { positiveDecimalFlag, wholeNumberFlag } from './numbers.js';
import { OutputError, outputTarget, say, writeOutput, writeStdout, type OutputTarget } from './output.js';
import { estimateNdjsonEvents, Progress } from './progress.js';

export { OutputError, say, writeStdout };

export const MEMORY_MODELS = ['live', 'pymalloc'] as const;
export type MemoryModelName = (typeof MEMORY_MODELS)[number];

/** docs/model.md, exit codes: with several files the highest code wins. */
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

/** The options a builder declares, as yargs infers them from its `.option()` calls. */
export type OptionsOf<B> = B extends (y: Argv) => Argv<infer U> ? U : never;

/** The arguments a command's handler receives from a builder: its options, camelCase keys too. */
export type ArgsOf<B> = ArgumentsCamelCase<OptionsOf<B>>;

/** A command as ./commands/ declares it: all yargs needs for help and parsing; main.ts adds the handler. */
export type CommandDefinition<U> = Omit<CommandModule<object, U>, 'handler'>;

export type CommonArgs = ArgsOf<typeof withCommonOptions<object>>;
export type OutputArgs = ArgsOf<typeof withOutputOptions<object>>;
export type RenderArgs = ArgsOf<typeof withRenderOptions<object>>;

/** What a replay takes from the command line (check hands it to its worker threads as it is). */
export interface ReplayArgs {
  python?: PythonVersion | undefined;
  interval?: number | undefined;
  maxPoints?: number | undefined;
  memoryModel?: MemoryModelName | undefined;
  /** `--progress` / `--no-progress`; undefined: on a terminal, for replays that take a while. */
  progress?: boolean | undefined;
}

export function withCommonOptions<T>(y: Argv<T>) {
  return y
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'print nothing but errors and the "wrote FILE" notice (with -o the report still goes to the file)',
    })
    .option('debug', { type: 'boolean', default: false, describe: 'show the stack trace of an internal error' });
}

export function withOutputOptions<T>(y: Argv<T>) {
  return withCommonOptions(y).option('output', {
    alias: 'o',
    type: 'string',
    requiresArg: true,
    describe:
      'write to FILE instead of stdout: a regular file atomically (temp file beside it, then a rename; a symlink is followed), a device or FIFO straight; never one of the inputs',
  });
}

/** Most timeline points a report may keep (the chart needs a few hundred; JSON readers get these). */
export const MAX_POINTS_LIMIT = 50_000;

export function withRenderOptions<T>(y: Argv<T>) {
  return withOutputOptions(y)
    .option('unit', {
      choices: ['auto', ...UNITS] as UnitChoice[],
      default: 'auto' as UnitChoice,
      describe: 'unit of byte figures; auto picks one per table from its peak',
    })
    .option('precision', {
      // A string: yargs would read 0x10 or 1e1 as numbers and "abc" as NaN; ./numbers.ts reads the text.
      type: 'string',
      default: 1,
      requiresArg: true,
      describe: 'decimals of byte figures (memory_profiler\'s precision), 0 to 12',
      coerce: wholeNumberFlag('precision', 'an integer from 0 to 12', 0, 12),
    })
    .option('color', {
      type: 'boolean',
      default: true,
      describe: 'colour on a terminal (--no-color or the NO_COLOR variable turn it off; never in files)',
    });
}

export function withReplayOptions<T>(y: Argv<T>) {
  return y
    .option('python', {
      // A string, or yargs would read "3.10" as the number 3.1.
      type: 'string',
      choices: PYTHON_VERSIONS,
      requiresArg: true,
      describe: 'CPython model to replay on (overrides the workload\'s "python")',
    })
    .option('interval', {
      type: 'string',
      requiresArg: true,
      describe: 'timeline sampling interval in clock units (ms, or events when no event has "t"); default automatic',
      coerce: positiveDecimalFlag('interval'),
    })
    .option('max-points', {
      type: 'string',
      requiresArg: true,
      describe: `most timeline points kept, 2 to ${MAX_POINTS_LIMIT} (min/max bucketing never loses the peak); default 2000`,
      // A timeline needs its start and its end: with one point a chart has no time axis.
      coerce: wholeNumberFlag('max-points', `an integer from 2 to ${MAX_POINTS_LIMIT}`, 2, MAX_POINTS_LIMIT),
    })
    .option('memory-model', {
      choices: MEMORY_MODELS,
      requiresArg: true,
      describe: 'live: baseline + live bytes (like tracemalloc); pymalloc: also model CPython\'s arenas and pools, the RSS memory_profiler sees',
    })
    .option('progress', {
      type: 'boolean',
      describe: 'events, rate and ETA on stderr while replaying (default: on a terminal, once a replay takes over a second)',
    });
}

export function replayOptions(args: ReplayArgs): ReplayOptions {
  const options: ReplayOptions = {};
  if (args.python !== undefined) options.python = args.python;
  if (args.interval !== undefined) options.interval = args.interval;
  if (args.maxPoints !== undefined) options.maxPoints = args.maxPoints;
  if (args.memoryModel !== undefined) options.memoryModel = args.memoryModel;
  return options;
}

/**
 * The engine is loaded on first use, so `--help`, `schema` and `plot report.json` start without it.
 * `onProgress` replaces the display (a worker thread reports its progress to the main thread).
 */
export async function replay(
  workload: LoadedWorkload,
  /** With `quiet`, warnings (a type name close to a built-in one) are not printed. */
  args: ReplayArgs & { quiet?: boolean },
  onProgress?: (events: number, expected?: number) => void,
  onWarning: (line: string) => void = say,
): Promise<ReplayOutcome> {
  const outcome = await replayWithProgress(workload, args, onProgress);
  if (args.quiet !== true) for (const warning of outcome.warnings) onWarning(formatWorkloadError(warning));
  return outcome;
}

async function replayWithProgress(workload: LoadedWorkload, args: ReplayArgs, onProgress?: (events: number, expected?: number) => void): Promise<ReplayOutcome> {
  const { replayWorkload } = await import('../replay/replay.js');
  const options = replayOptions(args);
  if (onProgress !== undefined) {
    // The display learns a `.json` document's exact count before the first event.
    if (workload.expectedEvents !== undefined) onProgress(0, workload.expectedEvents);
    return replayWorkload(workload, { ...options, onProgress });
  }
  if (args.progress === false) return replayWorkload(workload, options);
  // A `.json` document's count is exact (its repeats are counted); an NDJSON trace's is estimated.
  const estimate = workload.expectedEvents === undefined ? await estimateNdjsonEvents(workload.file) : undefined;
  const expected = workload.expectedEvents ?? estimate;
  const progress = new Progress(process.stderr, {
    mode: args.progress,
    ...(expected !== undefined ? { expectedEvents: expected, estimated: estimate !== undefined } : {}),
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
 * Where the command's output goes, checked before any work: `-o ''`, a directory, or one of
 * `inputs` (the workload files the command reads) is refused with exit 2 (./output.ts).
 */
export async function prepareOutput(args: OutputArgs, inputs: readonly string[] = []): Promise<Output> {
  return { target: await outputTarget(args.output, inputs), quiet: args.quiet };
}

export interface Output {
  target: OutputTarget;
  quiet: boolean;
}

/** The report to stdout (unless --quiet), or to `-o FILE` with a notice on stderr (which survives --quiet). */
export async function emit(text: string, output: Output): Promise<void> {
  if (output.target.kind === 'stdout' && output.quiet) return;
  await writeOutput(output.target, text);
}

// ---------------------------------------------------------------------------------------------
// Workload files

/** `''` is no name at all: a usage error before anything runs. */
export function requireFileNames(files: readonly string[]): void {
  if (files.some((f) => f === '')) throw new UsageError("'' names no workload file: name a .json, .ndjson or .jsonl file");
}

const FILE_KINDS: [(s: Awaited<ReturnType<typeof stat>>) => boolean, string][] = [
  [(s) => s.isDirectory(), 'a directory'],
  [(s) => s.isCharacterDevice(), 'a character device'],
  [(s) => s.isBlockDevice(), 'a block device'],
  [(s) => s.isFIFO(), 'a FIFO (named pipe)'],
  [(s) => s.isSocket(), 'a socket'],
];

/**
 * A workload is a regular file (symbolic links followed). A link a pull request adds to /dev/zero or
 * /dev/stdin would otherwise be read until memory runs out, or forever. `-` does not mean standard
 * input: memprof reads files only (it estimates progress from their size and reads NDJSON in place).
 */
export async function checkWorkloadFile(file: string): Promise<void> {
  if (file === '-') throw new WorkloadError({ file }, 'reading a workload from standard input is not supported; name a file');
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    throw readError(file, err);
  }
  if (info.isFile()) return;
  const kind = FILE_KINDS.find(([test]) => test(info))?.[1] ?? 'not a regular file';
  throw new WorkloadError({ file }, `cannot read file: it is ${kind}, not a workload file`);
}

// ---------------------------------------------------------------------------------------------
// Failures

/** The heap limit of this thread (workers get the same), in MiB. */
export function heapLimitMiB(): number {
  return Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
}

/** RangeErrors V8 throws when a string, array, buffer or map cannot grow any more. */
const V8_SIZE_LIMITS = /^(Invalid (array|string|typed array) length|Array buffer allocation failed|(Map|Set) maximum size exceeded|Cannot create a string longer than)/;

/**
 * A resource problem (exit 2: the workload is too big for the memory memprof has, not a bug in
 * memprof), in words, or null. A worker thread that reaches its heap limit ends with
 * ERR_WORKER_OUT_OF_MEMORY; the main thread cannot catch its own heap exhaustion (V8 aborts the
 * process, exit 134), only the size limits below.
 */
export function resourceProblem(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const limit = heapLimitMiB();
  const hint = `raise it with NODE_OPTIONS=--max-old-space-size=${2 * limit}, or check fewer workloads at once (--jobs 1)`;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' || code === 'ENOMEM') {
    return `out of memory: replaying it needs more than the ${limit} MiB heap limit; ${hint}`;
  }
  if (code === 'ERR_STRING_TOO_LONG' || (err instanceof RangeError && V8_SIZE_LIMITS.test(err.message))) {
    return 'out of memory: a string, array or map would grow past what JavaScript allows; split the trace, or write it as NDJSON';
  }
  return null;
}

/** Prints what went wrong, once, and returns the exit code for it. */
export function reportFailure(err: unknown, debug: boolean): number {
  if (err instanceof ExitStatus) return err.code;
  const lines = formatInputProblem(err);
  if (lines !== null) {
    for (const line of lines) say(line);
    return EXIT_INVALID;
  }
  if (err instanceof UsageError) {
    say(`memprof: ${err.message}`);
    return EXIT_INVALID;
  }
  const resource = resourceProblem(err);
  if (resource !== null) {
    say(`memprof: ${resource}`);
    return EXIT_INVALID;
  }
  const message = err instanceof Error ? err.message : String(err);
  say(`memprof: internal error: ${firstLine(message)} — please report this at ${BUG_TRACKER}`);
  if (debug && err instanceof Error && err.stack) for (const line of err.stack.split('\n')) say(line);
  return EXIT_INTERNAL;
}

function firstLine(s: string): string {
  const n = s.indexOf('\n');
  return n < 0 ? s : s.slice(0, n);
}
