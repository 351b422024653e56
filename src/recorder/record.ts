// Runs a Python program under memprof's recorder (src/recorder/python) and leaves its trace at the
// output path. The program's stdin, stdout and stderr are its own (inherited); its exit code is the
// outcome's. The trace is written to a temporary file beside the output and renamed when the
// recorder has finished it, so a trace file is always a whole one.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../workload/errors.js';
import { findInterpreter, type Interpreter } from './interpreter.js';

export interface RecordOptions {
  script: string;
  args: string[];
  /** Where the trace goes. */
  output: string;
  /** `3.12`, a path, or undefined for python3. */
  python?: string;
  /** Which source files are traced (globs); default: those under the script's directory. */
  include: string[];
  /** Called about once a second while the program runs, with the trace written so far. */
  progress?: (traceBytes: number, seconds: number) => void;
}

export interface RecordOutcome {
  interpreter: Interpreter;
  /** The program's exit code (128 + n when a signal ended it). */
  exitCode: number;
  /** The signal that ended the recorder, if one did. */
  signal: NodeJS.Signals | null;
  /** Whether a whole trace was written. */
  traced: boolean;
}

/** The recorder's entry script: beside the sources (src/recorder/python), from dist/ or from src/. */
export function recorderScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'python', 'memprof_record.py'), join(here, '..', '..', 'src', 'recorder', 'python', 'memprof_record.py')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('the recorder (src/recorder/python/memprof_record.py) is missing from this installation');
}

function requireReadableScript(script: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(script).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${script}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? 'error'})`}: name the Python script to record`);
  }
  if (!isFile) throw new UsageError(`${script}: not a file: name the Python script to record`);
  try {
    readFileSync(script, { flag: 'r' }).subarray(0, 0);
  } catch (err) {
    throw new UsageError(`${script}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export async function recordProgram(options: RecordOptions): Promise<RecordOutcome> {
  requireReadableScript(options.script);
  const interpreter = findInterpreter(options.python);
  const temp = join(dirname(options.output), `.${process.pid}.${Date.now()}.memprof-trace.tmp`);
  const args = [recorderScript(), '--out', temp];
  for (const pattern of options.include) args.push('--include', pattern);
  args.push('--', options.script, ...options.args);
  const child = spawn(interpreter.path, args, { stdio: 'inherit' });
  const started = Date.now();
  const ticker =
    options.progress === undefined
      ? null
      : setInterval(() => {
          let bytes = 0;
          try {
            bytes = statSync(`${temp}.events.tmp`).size;
          } catch {
            // not made yet, or already renamed
          }
          options.progress!(bytes, (Date.now() - started) / 1000);
        }, 1000);
  // The terminal's Ctrl-C reaches the program too; memprof waits for it to finish its trace.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, s) => resolve({ code: c, signal: s }));
  }).finally(() => {
    process.off('SIGINT', ignore);
    if (ticker !== null) clearInterval(ticker);
  });
  const traced = existsSync(temp);
  if (traced) renameSync(temp, options.output);
  else if (existsSync(`${temp}.events.tmp`)) unlinkSync(`${temp}.events.tmp`);
  return { interpreter, exitCode: code ?? 128 + signalNumber(signal), signal, traced };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6 };
  return signal === null ? 0 : (numbers[signal] ?? 0);
}
