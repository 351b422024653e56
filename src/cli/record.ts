// `memprof record script.py [args…]`: runs a Python program under CPython with memprof's recorder
// and writes its trace (NDJSON). `memprof profile` (profile.ts) records to a temporary trace and
// prints the `run` report at once. Everything after the script's path is the script's.
import { basename } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { recordProgram, type RecordOutcome } from '../recorder/record.js';
import { UsageError } from '../workload/errors.js';
import { ExitStatus, withCommonOptions, type ArgsOf, type OptionsOf } from './common.js';

/** Options of `record` and `profile` that take a value (the script is the first argument that is
 * neither an option nor an option's value). */
const VALUE_OPTIONS = new Set([
  '-o', '--output', '--python', '--include', '--keep', '-f', '--format', '--unit', '--precision',
  '--memory-model', '--interval', '--max-points',
]);

/**
 * `record`/`profile` pass the script its own arguments untouched: the command line is split at the
 * script's path, and what follows is handed over after `--` (yargs keeps it in `args['--']`).
 */
export function splitScriptArguments(argv: string[]): string[] {
  if (argv[0] !== 'record' && argv[0] !== 'profile') return argv;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...argv.slice(0, i), ...(argv[i + 1] === undefined ? [] : [argv[i + 1]!, '--', ...argv.slice(i + 2)])];
    if (arg.startsWith('-') && arg !== '-') {
      if (VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    return [...argv.slice(0, i + 1), '--', ...argv.slice(i + 1)];
  }
  return argv;
}

export function withRecordOptions<T>(y: Argv<T>) {
  return y
    .option('python', {
      type: 'string',
      requiresArg: true,
      describe: 'the CPython that runs the program: 3.11, 3.12, 3.13 (python3.X on PATH, else pyenv\'s) or a path (default python3)',
    })
    .option('include', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'source files to trace (glob of paths; default: the script\'s directory)',
    });
}

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

async function record(args: RecordArgs): Promise<void> {
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

function recordOptions(y: Argv) {
  return withRecordOptions(withCommonOptions(y))
      .positional('script', { type: 'string', demandOption: true, describe: 'the Python script; everything after it is its own arguments' })
      .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'the trace file (default: SCRIPT.memprof.ndjson)' })
      .option('progress', { type: 'boolean', describe: 'show on stderr, once a second, how long the program has run and how much trace it wrote' })
      .parserConfiguration({ 'populate--': true })
      .example('$0 record app.py --size 10', 'runs "python3 app.py --size 10", writes app.py.memprof.ndjson')
      .example('$0 record --python 3.12 -o trace.ndjson app.py', 'on CPython 3.12')
      .example('$0 run app.py.memprof.ndjson', 'then the report, with the real run beside the model');
}

type RecordArgs = ArgsOf<typeof recordOptions>;

export const recordCommand: CommandModule<object, OptionsOf<typeof recordOptions>> = {
  command: 'record <script>',
  describe: 'run a Python program under CPython and record its heap as a trace (NDJSON) for run and check',
  builder: recordOptions,
  handler: (args) => record(args),
};

export function defaultTraceName(script: string): string {
  return `${basename(script)}.memprof.ndjson`;
}
