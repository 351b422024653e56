// `memprof check <workload...>`: the CI gate (docs/model.md, Leaks and limits). Each workload is replayed — several at once
// on worker threads — its figures are held against its `limits` (flags override them), and one
// result per workload is printed in the order the files were named. Exit 0 when all pass, 1 when a
// limit was exceeded, 2 when a workload is invalid (the others still run), 3 on an internal error.
import { availableParallelism } from 'node:os';
import { readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { combineLimits, evaluateLimits, limitFigures, workloadLimits, type LimitSettings } from '../analysis/limits.js';
import { renderCheckJson, renderCheckLine, renderCheckMarkdown, renderCheckSummary } from '../report/checkText.js';
import { renderGithubResult } from '../report/github.js';
import { renderJunit } from '../report/junit.js';
import { LIMIT_NAMES, type CheckReport, type CheckResult, type CheckStatus, type LimitName } from '../model/report.js';
import type { RenderOptions } from '../report/units.js';
import { UsageError } from '../workload/errors.js';
import { formatInputProblem } from './problems.js';
import { loadWorkload } from '../workload/load.js';
import {
  checkWorkloadFile,
  emit,
  EXIT_INTERNAL,
  EXIT_INVALID,
  EXIT_LIMIT_EXCEEDED,
  EXIT_OK,
  ExitStatus,
  heapLimitMiB,
  prepareOutput,
  renderOptions,
  replay,
  requireFileNames,
  resourceProblem,
  say,
  VERSION,
  writeStdout,
  type ReplayArgs,
} from './common.js';
import type { CheckArgs } from './commands/check.js';
import { estimateNdjsonEvents, Progress } from './progress.js';

/** The flag of each limit, as the handler's arguments name it. */
const FLAG_KEYS = {
  leakedBytes: 'maxLeakedBytes',
  leakedObjects: 'maxLeakedObjects',
  cycles: 'maxCycles',
  uncollectable: 'maxUncollectable',
  peakBytes: 'maxPeak',
  finalBytes: 'maxFinal',
} as const satisfies Record<LimitName, string>;

/** The limits given as flags (`none`: null). */
export function flagLimits(args: { [K in (typeof FLAG_KEYS)[LimitName]]?: number | null | undefined }): LimitSettings {
  const limits: LimitSettings = {};
  for (const name of LIMIT_NAMES) {
    const v = args[FLAG_KEYS[name]];
    if (typeof v === 'number' || v === null) limits[name] = v;
  }
  return limits;
}

// ---------------------------------------------------------------------------------------------
// One workload

/** Replays one workload and holds its figures against its limits. Never throws. */
export async function checkWorkload(
  file: string,
  flags: LimitSettings,
  replayArgs: ReplayArgs & { quiet?: boolean },
  onProgress?: (events: number, expected?: number) => void,
  onWarning: (line: string) => void = say,
): Promise<CheckResult> {
  const result: CheckResult = { file, name: file, status: 'pass', figures: null, limits: {}, limitSources: {}, violations: [], peakLine: null, leaks: null, problems: [] };
  try {
    await checkWorkloadFile(file);
    const workload = await loadWorkload(file);
    result.name = workload.header.name ?? file;
    const applied = combineLimits(workloadLimits(workload.header.limits), flags);
    result.limits = applied.limits;
    result.limitSources = applied.sources;
    const { report } = await replay(workload, replayArgs, onProgress, onWarning);
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
      return crashed(file, err);
    }
  }
  return result;
}

const EXIT_FOR: Record<CheckStatus, number> = { pass: EXIT_OK, fail: EXIT_LIMIT_EXCEEDED, invalid: EXIT_INVALID, error: EXIT_INTERNAL };

/** docs/model.md, exit codes: the worst wins (an internal error, then an invalid workload, then a limit). */
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

type WorkerMessage = { index: number; result: CheckResult } | { index: number; events: number; expected?: number } | { index: number; warning: string };

interface WorkerSetup {
  memprofCheck: true;
  flags: LimitSettings;
  replay: ReplayArgs & { quiet?: boolean };
  /** Whether the worker reports its progress (one worker: the main thread shows it). */
  progress: boolean;
}

/** Worker threads run the compiled module; under a TypeScript loader (tests) everything runs here. */
const WORKER_SCRIPT = import.meta.url.endsWith('.js') ? fileURLToPath(import.meta.url) : null;

/**
 * Checks every file, `jobs` at a time, and calls `done` with each result in the files' order as
 * soon as it and all before it are known (so output streams while later files still run).
 *
 * Every replay runs on a worker thread (one or more), each with the main thread's heap limit as
 * its own: a workload that exhausts it ends its worker, not memprof, and is reported as out of
 * memory (exit 2) while the others go on, on a fresh worker.
 */
export async function checkAll(
  files: string[],
  flags: LimitSettings,
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
  const lanes = Math.min(jobs, files.length);
  if (WORKER_SCRIPT === null) {
    for (let i = 0; i < files.length; i++) settle(i, await checkWorkload(files[i]!, flags, replayArgs));
    return results as CheckResult[];
  }
  const script = WORKER_SCRIPT;
  // One lane at a time can show a progress display; several would draw over each other.
  const setup: WorkerSetup = { memprofCheck: true, flags, replay: replayOptionsOnly(replayArgs), progress: lanes === 1 && replayArgs.progress !== false };
  const resourceLimits = { maxOldGenerationSizeMb: heapLimitMiB() };
  let next = 0;
  /** One worker after another until no file is left: a dead worker is replaced. */
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      await new Promise<void>((resolve) => {
        const worker = new Worker(script, { workerData: setup, resourceLimits });
        let current: WorkerJob | null = null;
        let progress: Progress | null = null;
        let failure: unknown = null;
        const give = async (): Promise<void> => {
          if (next >= files.length) {
            current = null;
            void worker.terminate();
            return;
          }
          current = { index: next, file: files[next]! };
          next++;
          if (setup.progress) {
            const expected = await estimateNdjsonEvents(current.file);
            progress = new Progress(process.stderr, {
              mode: replayArgs.progress,
              ...(expected !== undefined ? { expectedEvents: expected, estimated: true } : {}),
            });
          }
          worker.postMessage(current);
        };
        worker.on('message', (m: WorkerMessage) => {
          if ('warning' in m) {
            say(m.warning);
            return;
          }
          if ('events' in m) {
            if (m.expected !== undefined) progress?.expect(m.expected);
            else progress?.update(m.events);
            return;
          }
          progress?.done();
          progress = null;
          current = null;
          settle(m.index, m.result);
          void give();
        });
        // Out of memory (ERR_WORKER_OUT_OF_MEMORY) or a crash: only the current workload is lost.
        worker.on('error', (err) => {
          failure = err;
        });
        worker.on('exit', () => {
          progress?.done();
          if (current !== null) settle(current.index, crashed(current.file, failure ?? new Error('the worker thread exited')));
          resolve();
        });
        void give();
      });
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return results as CheckResult[];
}

/** A workload whose replay threw or took its worker down: out of memory (exit 2) or a bug (exit 3). */
function crashed(file: string, err: unknown): CheckResult {
  const resource = resourceProblem(err);
  return {
    file,
    name: file,
    status: resource !== null ? 'invalid' : 'error',
    figures: null,
    limits: {},
    limitSources: {},
    violations: [],
    peakLine: null,
    leaks: null,
    problems: [resource !== null ? `${file}: ${resource}` : `internal error: ${err instanceof Error ? err.message : String(err)}`],
  };
}

/** Only what a replay needs crosses to a worker (yargs' argument object does not clone). */
function replayOptionsOnly(args: ReplayArgs & { quiet?: boolean }): ReplayArgs & { quiet?: boolean } {
  const r: ReplayArgs & { quiet?: boolean } = { progress: false };
  if (args.quiet !== undefined) r.quiet = args.quiet;
  if (args.python !== undefined) r.python = args.python;
  if (args.interval !== undefined) r.interval = args.interval;
  if (args.maxPoints !== undefined) r.maxPoints = args.maxPoints;
  if (args.memoryModel !== undefined) r.memoryModel = args.memoryModel;
  return r;
}

if (!isMainThread && parentPort !== null && (workerData as WorkerSetup | null)?.memprofCheck === true) {
  const setup = workerData as WorkerSetup;
  const port = parentPort;
  port.on('message', (job: WorkerJob) => {
    const onProgress = setup.progress
      ? (events: number, expected?: number) => port.postMessage(expected === undefined ? { index: job.index, events } : { index: job.index, events, expected })
      : undefined;
    const onWarning = (warning: string): void => port.postMessage({ index: job.index, warning });
    void checkWorkload(job.file, setup.flags, setup.replay, onProgress, onWarning).then((result) => port.postMessage({ index: job.index, result }));
  });
}

// ---------------------------------------------------------------------------------------------
// Files and globs

const GLOB_CHARS = /[*?[{]/;

/** A path the expansion could not look at, and why ("EACCES: permission denied"). */
export interface Unreadable {
  path: string;
  reason: string;
}

export interface WorkloadArgs {
  files: string[];
  /** Patterns that matched no file, or whose expansion met a path it could not read (it may have
   * missed workloads there), in the order given, with what is wrong. */
  invalid: { pattern: string; problem: string }[];
}

/**
 * Expands the patterns the shell did not (quoted, or on Windows); a plain path — or a file whose
 * name merely contains `*`, `?`, `[` or `{` — stays as named.
 */
export function expandWorkloadArgs(patterns: string[]): WorkloadArgs {
  const files: string[] = [];
  const invalid: WorkloadArgs['invalid'] = [];
  for (const pattern of patterns) {
    if (!GLOB_CHARS.test(pattern) || new GlobWalk().stat(pattern) !== null) {
      files.push(pattern);
      continue;
    }
    const found = expandGlob(pattern);
    const unreadable = found.unreadable[0];
    if (unreadable !== undefined) invalid.push({ pattern, problem: `cannot read ${unreadable.path}: ${unreadable.reason}` });
    else if (found.matches.length === 0) invalid.push({ pattern, problem: 'no file matches this pattern' });
    files.push(...found.matches);
  }
  return { files, invalid };
}

/**
 * `dir/**\/*.json`-style patterns: `*`, `?`, `[…]`, `{a,b}` within a name, `**` across directories.
 * `**` follows symbolic links to directories but enters each real directory once per part of the
 * pattern: a link loop in a checked-out pull request cannot make the walk endless. A path that
 * does not exist is no match; one that cannot be read (EACCES, EIO) is reported, not skipped.
 */
export function expandGlob(pattern: string): { matches: string[]; unreadable: Unreadable[] } {
  const walk = new GlobWalk();
  const parts = pattern.split('/');
  const absolute = pattern.startsWith('/');
  const matches: string[] = [];
  // An explicit stack of (directory, next part): no recursion on the file tree.
  const stack: { dir: string; part: number }[] = [{ dir: absolute ? '/' : '', part: absolute ? 1 : 0 }];
  const seen = new Set<string>();
  const walked = new Set<string>();
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
      const real = walk.realDir(dir);
      if (real === null || walked.has(`${part}\0${real}`)) continue;
      walked.add(`${part}\0${real}`);
      stack.push({ dir, part: part + 1 });
      for (const entry of walk.list(dir)) if (entry.dir && !entry.name.startsWith('.')) stack.push({ dir: joined(entry.name), part });
      continue;
    }
    if (!GLOB_CHARS.test(segment)) {
      const path = joined(segment);
      const info = walk.stat(path);
      if (info !== null && (part === parts.length - 1 || info.isDirectory())) stack.push({ dir: path, part: part + 1 });
      continue;
    }
    const re = segmentRegExp(segment);
    for (const entry of walk.list(dir)) {
      if (!re.test(entry.name) || (entry.name.startsWith('.') && !segment.startsWith('.'))) continue;
      if (part < parts.length - 1 && !entry.dir) continue;
      stack.push({ dir: joined(entry.name), part: part + 1 });
    }
  }
  return { matches: matches.sort(), unreadable: walk.unreadable };
}

/** The file system as the expansion sees it: what does not exist is nothing, what cannot be read
 * is noted. */
class GlobWalk {
  readonly unreadable: Unreadable[] = [];

  /** The entries of a directory, links to directories counted as directories. */
  list(dir: string): { name: string; dir: boolean }[] {
    const path = dir === '' ? '.' : dir;
    try {
      return readdirSync(path, { withFileTypes: true }).map((e) => ({
        name: e.name,
        dir: e.isDirectory() || (e.isSymbolicLink() && this.stat(join(path, e.name))?.isDirectory() === true),
      }));
    } catch (err) {
      this.note(path, err);
      return [];
    }
  }

  /** The path's status (links followed), or null when there is nothing there. */
  stat(path: string): Stats | null {
    try {
      return statSync(path);
    } catch (err) {
      this.note(path, err);
      return null;
    }
  }

  realDir(dir: string): string | null {
    try {
      return realpathSync(dir === '' ? '.' : dir);
    } catch (err) {
      this.note(dir, err);
      return null;
    }
  }

  /** Nothing there (ENOENT), or a file where a directory was expected (ENOTDIR), is no match; a
   * link that leads nowhere is none either. Anything else is a path the user must hear about. */
  private note(path: string, err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return;
    if (typeof e.syscall !== 'string') throw err;
    this.unreadable.push({ path, reason: e.message.replace(/, \w+ '[^]*'$/, '') });
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
  try {
    return new RegExp(`^${re}$`);
  } catch {
    // `[z-a]`, an unclosed `{`: not a pattern after all, so the name as written.
    return new RegExp(`^${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  }
}

// ---------------------------------------------------------------------------------------------
// The command

/** More jobs than cores only adds memory (each worker holds a whole replay), never speed. */
function jobCount(requested: number | undefined, quiet: boolean): number {
  const cores = availableParallelism();
  if (requested === undefined) return cores;
  if (requested > cores) {
    if (!quiet) say(`memprof: --jobs ${requested}: this machine has ${cores} core${cores === 1 ? '' : 's'}; using ${cores}`);
    return cores;
  }
  return requested;
}

export async function check(args: CheckArgs): Promise<void> {
  const options: RenderOptions = renderOptions(args, args.format === 'text' ? 'text' : 'markdown');
  requireFileNames(args.workload);
  const { files, invalid } = expandWorkloadArgs(args.workload);
  const output = await prepareOutput(args, files);
  const flags = flagLimits(args);
  const jobs = jobCount(args.jobs, args.quiet);
  // Text and GitHub annotations stream to stdout as results arrive, the summary line last (in both);
  // documents are written whole.
  const streaming = args.output === undefined && (args.format === 'text' || args.format === 'github');
  const invalidPatterns: CheckResult[] = invalid.map(({ pattern, problem }) => ({
    file: pattern,
    name: pattern,
    status: 'invalid',
    figures: null,
    limits: {},
    limitSources: {},
    violations: [],
    peakLine: null,
    leaks: null,
    problems: [`${pattern}: ${problem}`],
  }));
  const out: string[] = [];
  const show = (result: CheckResult): void => {
    for (const problem of result.problems) say(result.status === 'error' ? `memprof: ${result.file}: ${problem} — please report this` : problem);
    const text = args.format === 'github' ? renderGithubResult(result, options) : args.format === 'text' ? renderCheckLine(result, options) : '';
    if (text === '') return;
    if (streaming) {
      if (!args.quiet) writeStdout(text);
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
  else document = `${out.join('')}${renderCheckSummary(report)}`;
  if (streaming) {
    if (!args.quiet) writeStdout(renderCheckSummary(report));
  } else {
    await emit(document, output);
  }
  if (report.exitCode !== EXIT_OK) throw new ExitStatus(report.exitCode);
}
