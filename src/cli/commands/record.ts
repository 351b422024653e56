// `memprof record script.py [args…]`: its arguments, options and help, and where its command line
// splits from the script's own; the work is done in ../record.ts.
import type { Argv } from 'yargs';
import { withCommonOptions, type ArgsOf, type CommandDefinition, type OptionsOf } from '../common.js';

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

export type RecordArgs = ArgsOf<typeof recordOptions>;

export const recordCommand: CommandDefinition<OptionsOf<typeof recordOptions>> = {
  command: 'record <script>',
  describe: 'run a Python program under CPython and record its heap as a trace (NDJSON) for run and check',
  builder: recordOptions,
};
