// `memprof record script.py [args…]`: runs a Python program under CPython with memprof's recorder
// and writes its trace (NDJSON). `memprof profile` (profile.ts) records to a temporary trace and
// prints the `run` report at once. Everything after the script's path is the script's.
import { basename } from 'node:path';
import { recordProgram, type RecordOutcome } from '../recorder/record.js';
import { UsageError } from '../workload/errors.js';
import { ExitStatus } from './common.js';
import type { RecordArgs } from './commands/record.js';

/** The script's own arguments, which `populate--` leaves under `--`. */
export function scriptArguments(args: { readonly [key: string]: unknown }): string[] {
  const rest = args['--'];
  return Array.isArray(rest) ? rest.map(String) : [];
}

/** Says which interpreter ran and what became of the trace; exits with the program's code. */
export function reportRecording(outcome: RecordOutcome, script: string, trace: string | null, quiet: boolean): void {
  const who = `CPython ${outcome.interpreter.version} (${outcome.interpreter.path})`;
  if (!outcome.traced) {
    const why = outcome.signal !== null ? `it was stopped by ${outcome.signal}` : 'the recorder did not finish';
    process.stderr.write(`memprof: ${script} ran on ${who} but no trace was written: ${why}\n`);
    return;
  }
  if (!quiet && trace !== null) {
    const exit = outcome.exitCode === 0 ? '' : `; the program exited with code ${outcome.exitCode} (the trace goes up to there)`;
    process.stderr.write(`memprof: recorded ${script} on ${who}: wrote ${trace}${exit}\n`);
  }
}

/** One line per second on stderr: `memprof record: 12 s, 3.4 MiB of trace`. */
export function recordingProgress(traceBytes: number, seconds: number): void {
  process.stderr.write(`memprof record: ${Math.round(seconds)} s, ${(traceBytes / 2 ** 20).toFixed(1)} MiB of trace\n`);
}

export async function record(args: RecordArgs): Promise<void> {
  const output = args.output ?? `${args.script}.memprof.ndjson`;
  if (output === '') throw new UsageError('-o needs a file name');
  const outcome = await recordProgram({
    script: args.script,
    args: scriptArguments(args),
    output,
    python: args.python,
    include: args.include ?? [],
    ...(args.progress === true ? { progress: recordingProgress } : {}),
  });
  reportRecording(outcome, args.script, output, args.quiet);
  const code = outcome.traced ? outcome.exitCode : Math.max(outcome.exitCode, 1);
  if (code !== 0) throw new ExitStatus(code);
}

export function defaultTraceName(script: string): string {
  return `${basename(script)}.memprof.ndjson`;
}
