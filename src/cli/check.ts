// `memprof check <workload...>`: the CI gate (SPEC §6). Each workload is replayed — several at once
// on worker threads — its figures are held against its `limits` (flags override them), and one
// result per workload is printed in the order the files were named. Exit 0 when all pass, 1 when a
// limit was exceeded, 2 when a workload is invalid (the others still run), 3 on an internal error.
import { availableParallelism } from 'node:os';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Argv, CommandModule } from 'yargs';
import { evaluateLimits, LIMIT_FLAGS, limitFigures, mergeLimits, SIZE_LIMITS, workloadLimits, type LimitValues } from '../analysis/limits.js';
import { renderCheckJson, renderCheckLine, renderCheckMarkdown, renderCheckSummary } from '../report/checkText.js';
import { renderGithubResult } from '../report/github.js';
import { renderJunit } from '../report/junit.js';
import { LIMIT_NAMES, type CheckReport, type CheckResult, type CheckStatus, type LimitName } from '../model/report.js';
import type { RenderOptions } from '../report/units.js';
import { UsageError } from '../workload/errors.js';
import { formatInputProblem } from '../workload/format.js';
import { loadWorkload } from '../workload/load.js';
import { parseSize, SIZE_PATTERN } from '../workload/schema.js';
import {
  emit,
  EXIT_INTERNAL,
  EXIT_INVALID,
  EXIT_LIMIT_EXCEEDED,
  EXIT_OK,
  ExitStatus,
  renderOptions,
  replay,
  VERSION,
  withRenderOptions,
  withReplayOptions,
  type RenderArgs,
  type ReplayArgs,
} from './common.js';

export const CHECK_FORMATS = ['text', 'json', 'markdown', 'github', 'junit'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

interface CheckArgs extends RenderArgs, ReplayArgs {
  workload: string[];
  format: CheckFormat;
  jobs?: number;
  maxLeakedBytes?: number;
  maxLeakedObjects?: number;
  maxCycles?: number;
  maxUncollectable?: number;
  maxPeak?: number;
  maxFinal?: number;
}

const FLAG_KEYS: Record<LimitName, keyof CheckArgs> = {
  leakedBytes: 'maxLeakedBytes',
  leakedObjects: 'maxLeakedObjects',
  cycles: 'maxCycles',
  uncollectable: 'maxUncollectable',
  peakBytes: 'maxPeak',
  finalBytes: 'maxFinal',
};

/** The limits given as flags. */
export function flagLimits(args: Partial<CheckArgs>): LimitValues {
  const limits: LimitValues = {};
  for (const name of LIMIT_NAMES) {
    const v = args[FLAG_KEYS[name]];
    if (typeof v === 'number') limits[name] = v;
  }
  return limits;
}

// ---------------------------------------------------------------------------------------------
// One workload

/** Replays one workload and holds its figures against its limits. Never throws. */
export async function checkWorkload(file: string, flags: LimitValues, replayArgs: ReplayArgs): Promise<CheckResult> {
  const result: CheckResult = { file, name: file, status: 'pass', figures: null, limits: {}, violations: [], peakLine: null, leaks: null, problems: [] };
  try {
    const workload = await loadWorkload(file);
    result.name = workload.header.name ?? file;
    result.limits = mergeLimits(workloadLimits(workload.header.limits), flags);
    const { report } = await replay(workload, replayArgs);
    result.figures = limitFigures(report);
    result.violations = evaluateLimits(result.figures, result.limits);
    result.peakLine = report.summary.peakLine;
    result.leaks = report.leaks ?? null;
    result.status = result.violations.length > 0 ? 'fail' : 'pass';
  } catch (err) {
    const problems = formatInputProblem(err);
    if (problems !== null) {
      result.status = 'invalid';
      result.problems = problems;
    } else if (err instanceof UsageError) {
      result.status = 'invalid';
      result.problems = [err.message];
    } else {
      result.status = 'error';
      result.problems = [`internal error: ${err instanceof Error ? err.message : String(err)}`];
    }
  }
  return result;
}

const EXIT_FOR: Record<CheckStatus, number> = { pass: EXIT_OK, fail: EXIT_LIMIT_EXCEEDED, invalid: EXIT_INVALID, error: EXIT_INTERNAL };

/** SPEC §1: the worst wins (an internal error, then an invalid workload, then a limit). */
export function checkExitCode(results: CheckResult[]): number {
  return results.reduce((worst, r) => Math.max(worst, EXIT_FOR[r.status]), EXIT_OK);
}

export function checkReport(results: CheckResult[]): CheckReport {
  const count = (s: CheckStatus): number => results.filter((r) => r.status === s).length;
  return {
    tool: 'memprof',
    version: VERSION,
    checkVersion: 1,
    exitCode: checkExitCode(results),
    summary: { workloads: results.length, passed: count('pass'), failed: count('fail'), invalid: count('invalid'), errors: count('error') },
    results,
  };
}

// ---------------------------------------------------------------------------------------------
// Many workloads: a pool of worker threads, results handed on in argument order

interface WorkerJob {
  index: number;
  file: string;
}

interface WorkerSetup {
  memprofCheck: true;
  flags: LimitValues;
  replay: ReplayArgs;
}

/** Worker threads run the compiled module; under a TypeScript loader (tests) everything runs here. */
const WORKER_SCRIPT = import.meta.url.endsWith('.js') ? fileURLToPath(import.meta.url) : null;

/**
 * Checks every file, `jobs` at a time, and calls `done` with each result in the files' order as
 * soon as it and all before it are known (so output streams while later files still run).
 */
export async function checkAll(
  files: string[],
  flags: LimitValues,
  replayArgs: ReplayArgs,
  jobs: number,
  done: (result: CheckResult, index: number) => void,
): Promise<CheckResult[]> {
  const results: (CheckResult | undefined)[] = new Array(files.length);
  let flushed = 0;
  const settle = (index: number, result: CheckResult): void => {
    results[index] = result;
    while (flushed < files.length && results[flushed] !== undefined) {
      done(results[flushed]!, flushed);
      flushed++;
    }
  };
  const workers = Math.min(jobs, files.length);
  if (workers <= 1 || WORKER_SCRIPT === null) {
    for (let i = 0; i < files.length; i++) settle(i, await checkWorkload(files[i]!, flags, replayArgs));
  } else {
    let next = 0;
    const setup: WorkerSetup = { memprofCheck: true, flags, replay: replayOptionsOnly(replayArgs) };
    await Promise.all(
      Array.from({ length: workers }, () =>
        new Promise<void>((resolve) => {
          const worker = new Worker(WORKER_SCRIPT, { workerData: setup });
          let current: WorkerJob | null = null;
          const give = (): void => {
            if (next >= files.length) {
              current = null;
              void worker.terminate();
              return;
            }
            current = { index: next, file: files[next]! };
            next++;
            worker.postMessage(current);
          };
          worker.on('message', (m: { index: number; result: CheckResult }) => {
            settle(m.index, m.result);
            give();
          });
          // A worker that dies (out of memory, a crash) takes only its current workload with it.
          worker.on('error', (err) => {
            if (current !== null) settle(current.index, crashed(current.file, err));
            current = null;
          });
          worker.on('exit', () => {
            if (current !== null) settle(current.index, crashed(current.file, new Error('the worker thread exited')));
            // What the dead worker would have taken is checked here.
            void (async () => {
              while (next < files.length) {
                const i = next++;
                settle(i, await checkWorkload(files[i]!, flags, replayArgs));
              }
              resolve();
            })();
          });
          give();
        }),
      ),
    );
  }
  return results as CheckResult[];
}

function crashed(file: string, err: unknown): CheckResult {
  return {
    file,
    name: file,
    status: 'error',
    figures: null,
    limits: {},
    violations: [],
    peakLine: null,
    leaks: null,
    problems: [`internal error: ${err instanceof Error ? err.message : String(err)}`],
  };
}

/** Only what a replay needs crosses to a worker (yargs' argument object does not clone). */
function replayOptionsOnly(args: ReplayArgs): ReplayArgs {
  const r: ReplayArgs = {};
  if (args.python !== undefined) r.python = args.python;
  if (args.interval !== undefined) r.interval = args.interval;
  if (args.maxPoints !== undefined) r.maxPoints = args.maxPoints;
  return r;
}

if (!isMainThread && parentPort !== null && (workerData as WorkerSetup | null)?.memprofCheck === true) {
  const setup = workerData as WorkerSetup;
  const port = parentPort;
  port.on('message', (job: WorkerJob) => {
    void checkWorkload(job.file, setup.flags, setup.replay).then((result) => port.postMessage({ index: job.index, result }));
  });
}

// ---------------------------------------------------------------------------------------------
// Files and globs

const GLOB_CHARS = /[*?[{]/;

/** Expands the patterns the shell did not (quoted, or on Windows); a plain path stays as named. */
export function expandWorkloadArgs(patterns: string[]): { files: string[]; unmatched: string[] } {
  const files: string[] = [];
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    if (!GLOB_CHARS.test(pattern)) {
      files.push(pattern);
      continue;
    }
    const found = expandGlob(pattern);
    if (found.length === 0) unmatched.push(pattern);
    files.push(...found);
  }
  return { files, unmatched };
}

/** `dir/**\/*.json`-style patterns: `*`, `?`, `[…]`, `{a,b}` within a name, `**` across directories. */
export function expandGlob(pattern: string): string[] {
  const parts = pattern.split('/');
  const absolute = pattern.startsWith('/');
  const matches: string[] = [];
  // An explicit stack of (directory, next part): no recursion on the file tree.
  const stack: { dir: string; part: number }[] = [{ dir: absolute ? '/' : '', part: absolute ? 1 : 0 }];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const { dir, part } = stack.pop()!;
    if (part === parts.length) {
      if (!seen.has(dir)) {
        seen.add(dir);
        matches.push(dir);
      }
      continue;
    }
    const segment = parts[part]!;
    const joined = (name: string): string => (dir === '' ? name : dir === '/' ? `/${name}` : join(dir, name));
    if (segment === '**') {
      stack.push({ dir, part: part + 1 });
      for (const entry of listDir(dir)) if (entry.dir && !entry.name.startsWith('.')) stack.push({ dir: joined(entry.name), part });
      continue;
    }
    if (!GLOB_CHARS.test(segment)) {
      const path = joined(segment);
      if (part === parts.length - 1 ? exists(path) : isDir(path)) stack.push({ dir: path, part: part + 1 });
      continue;
    }
    const re = segmentRegExp(segment);
    for (const entry of listDir(dir)) {
      if (!re.test(entry.name) || (entry.name.startsWith('.') && !segment.startsWith('.'))) continue;
      if (part < parts.length - 1 && !entry.dir) continue;
      stack.push({ dir: joined(entry.name), part: part + 1 });
    }
  }
  return matches.sort();
}

function listDir(dir: string): { name: string; dir: boolean }[] {
  try {
    return readdirSync(dir === '' ? '.' : dir, { withFileTypes: true }).map((e) => ({
      name: e.name,
      dir: e.isDirectory() || (e.isSymbolicLink() && isDir(join(dir === '' ? '.' : dir, e.name))),
    }));
  } catch {
    return [];
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function segmentRegExp(segment: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        const body = segment.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = close;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

// ---------------------------------------------------------------------------------------------
// The command

function sizeFlag(flag: string) {
  return (value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    const text = String(value);
    if (!SIZE_PATTERN.test(text)) throw new UsageError(`--${flag} must be a size like 1048576 or "1 MiB" (units B, KiB, MiB, GiB), got '${text}'`);
    return parseSize(/^\s*\d+\s*$/.test(text) ? Number(text) : text);
  };
}

function countFlag(flag: string) {
  return (value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag} must be a whole number ≥ 0, got '${String(value)}'`);
    return n;
  };
}

async function check(args: CheckArgs): Promise<void> {
  const options: RenderOptions = renderOptions(args, args.format === 'text' ? 'text' : 'markdown');
  const { files, unmatched } = expandWorkloadArgs(args.workload);
  const flags = flagLimits(args);
  const jobs = args.jobs ?? availableParallelism();
  // Text and GitHub annotations stream to stdout as results arrive; documents are written whole.
  const streaming = args.output === undefined && (args.format === 'text' || args.format === 'github');
  const invalidPatterns: CheckResult[] = unmatched.map((pattern) => ({
    file: pattern,
    name: pattern,
    status: 'invalid',
    figures: null,
    limits: {},
    violations: [],
    peakLine: null,
    leaks: null,
    problems: [`${pattern}: no file matches this pattern`],
  }));
  const out: string[] = [];
  const show = (result: CheckResult): void => {
    for (const problem of result.problems) {
      process.stderr.write(result.status === 'error' ? `memprof: ${result.file}: ${problem} — please report this\n` : `${problem}\n`);
    }
    const text = args.format === 'github' ? renderGithubResult(result, options) : args.format === 'text' ? renderCheckLine(result, options) : '';
    if (text === '') return;
    if (streaming) {
      if (!args.quiet) process.stdout.write(text);
    } else out.push(text);
  };
  invalidPatterns.forEach(show);
  const checked = await checkAll(files, flags, args, jobs, show);
  const results = [...invalidPatterns, ...checked];
  const report = checkReport(results);

  let document: string | null = null;
  if (args.format === 'json') document = renderCheckJson(report);
  else if (args.format === 'junit') document = renderJunit(report, options);
  else if (args.format === 'markdown') document = renderCheckMarkdown(report, options);
  else if (args.format === 'text') document = `${out.join('')}${renderCheckSummary(report)}`;
  else document = out.join('');
  if (streaming) {
    if (args.format === 'text' && !args.quiet) process.stdout.write(renderCheckSummary(report));
  } else {
    await emit(document, args);
  }
  if (report.exitCode !== EXIT_OK) throw new ExitStatus(report.exitCode);
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check <workload...>',
  describe: 'CI gate: replay each workload, hold its leaks and memory against limits, print PASS/FAIL',
  builder: (y: Argv) => {
    let b = withReplayOptions(withRenderOptions(y))
      .positional('workload', { type: 'string', array: true, demandOption: true, describe: 'workload files or globs ("workloads/**/*.json")' })
      .option('format', {
        alias: 'f',
        choices: CHECK_FORMATS,
        default: 'text' as CheckFormat,
        describe: 'text; github (annotations at the leaking lines); junit (XML report); json; markdown',
      })
      .option('jobs', {
        alias: 'j',
        type: 'number',
        requiresArg: true,
        describe: 'workloads replayed at once (default: the number of CPU cores)',
        coerce: (v: unknown) => {
          if (v === undefined) return undefined;
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1) throw new UsageError(`--jobs must be a positive integer, got '${String(v)}'`);
          return n;
        },
      });
    for (const name of LIMIT_NAMES) {
      const flag = LIMIT_FLAGS[name];
      b = b.option(flag, {
        type: 'string',
        requiresArg: true,
        describe: `fail above this ${SIZE_LIMITS.has(name) ? 'size' : 'number'} (overrides the workload's limits.${name})`,
        coerce: SIZE_LIMITS.has(name) ? sizeFlag(flag) : countFlag(flag),
      }) as typeof b;
    }
    return b
      .example('$0 check workloads/*.json', 'one PASS/FAIL line per workload; exit 1 when a limit is exceeded')
      .example('$0 check "tests/memory/**/*.json" --max-leaked-objects 0 --max-peak "64 MiB"', 'limits for every workload')
      .example('$0 check traces/*.json --format github', 'annotations at the lines that allocated leaked objects')
      .example('$0 check traces/*.json --format junit -o memprof.xml', 'a JUnit report for the CI test view') as unknown as Argv<CheckArgs>;
  },
  handler: (args) => check(args),
};

