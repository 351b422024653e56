// Entry point: parses the command line, runs one command and returns the exit code (docs/model.md, exit codes).
// Nothing here calls process.exit: bin/memprof.js sets the code, tests call main directly.
//
// Every flag given twice takes its last value (`--format json --format text` is text), as in
// most Unix tools; only the workload positionals of check and validate take several values.
// (yargs' `duplicate-arguments-array: false` would do the first half but also keep only the last
// of a variadic positional's files, so the arrays are collapsed here instead.)
import { createRequire } from 'node:module';
import type yargsModule from 'yargs';
import { UsageError, WorkloadError } from '../workload/errors.js';
import { checkCommand } from './commands/check.js';
import { exportCommand } from './commands/export.js';
import { plotCommand } from './commands/plot.js';
import { profileCommand } from './commands/profile.js';
import { recordCommand, splitScriptArguments } from './commands/record.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { EXIT_INVALID, reportFailure, VERSION } from './common.js';
import { guardStandardStreams, say, stdoutError } from './output.js';

// yargs' ESM entry wraps help text with cliui's ESM build, which cuts words in half at the column
// limit; the CommonJS build wraps on word boundaries.
const yargs = createRequire(import.meta.url)('yargs') as typeof yargsModule;

/** Positionals that take several files, the options that take several values and a recorded
 * script's own arguments; every other key keeps the last of its values. */
const VARIADIC = new Set(['_', 'workload', 'include', '--']);

/** Runs before validation (so `choices` sees one value) and before each option's coerce. */
function lastValueWins(argv: Record<string, unknown>): void {
  for (const key of Object.keys(argv)) {
    const value = argv[key];
    if (Array.isArray(value) && !VARIADIC.has(key)) argv[key] = value[value.length - 1];
  }
}

export async function main(argv: string[]): Promise<number> {
  // Known before parsing, so that a failure while parsing still honours it.
  const debug = argv.includes('--debug');
  guardStandardStreams();
  try {
    // yargs reads a lone `-` as an option without a name and drops it: named here, before it does.
    // (A recorded script's own arguments, after its path, are its own.)
    const own = splitScriptArguments(argv);
    const ours = own.includes('--') ? own.slice(0, own.indexOf('--')) : own;
    if (ours.some((a, i) => a === '-' && ours[i - 1] !== '-o' && ours[i - 1] !== '--output')) {
      throw new WorkloadError({ file: '-' }, 'reading a workload from standard input is not supported; name a file');
    }
    await yargs(own)
      .middleware(lastValueWins, true)
      .scriptName('memprof')
      .usage('$0 <command> [options]\n\nReplays traced Python workloads on a model of CPython\'s memory manager.')
      // Each implementation is imported when its command runs: --help and the other commands skip it.
      .command({ ...runCommand, handler: async (args) => (await import('./run.js')).run(args) })
      .command({ ...checkCommand, handler: async (args) => (await import('./check.js')).check(args) })
      .command({ ...validateCommand, handler: async (args) => (await import('./validate.js')).validate(args) })
      .command({ ...plotCommand, handler: async (args) => (await import('./plot.js')).plot(args) })
      .command({ ...exportCommand, handler: async (args) => (await import('./export.js')).exportWorkload(args) })
      .command({ ...schemaCommand, handler: async (args) => (await import('./schema.js')).schema(args) })
      .command({ ...recordCommand, handler: async (args) => (await import('./record.js')).record(args) })
      .command({ ...profileCommand, handler: async (args) => (await import('./profile.js')).profile(args) })
      .demandCommand(1, 'name a command: run, check, validate, plot, export, schema, record or profile')
      .strict()
      .recommendCommands()
      .version(VERSION)
      .alias('version', 'V')
      .help()
      .alias('help', 'h')
      .example('$0 run workloads/parent_child_cycles.json', 'line tables, gc passes, chart and summary')
      .example('$0 check workloads/*.json --format github', 'the CI gate: PASS/FAIL per workload, annotations at leaking lines')
      .example('$0 validate workloads/*.json', 'check workloads without a report')
      .example('$0 export workloads/parent_child_cycles.json --python -o cycles.py', 'a CPython script doing what the workload does')
      .epilogue(
        'Exit codes: 0 ok, 1 a limit was exceeded, 2 invalid workload or usage, 3 internal error. Out of memory and an ' +
          'unwritable -o are 2 as well. A reader that closes the pipe (| head) ends the output quietly; the code stays. ' +
          'A flag given twice takes its last value.',
      )
      .wrap(Math.min(100, process.stdout.columns ?? 80))
      .exitProcess(false)
      .fail((message, err) => {
        // yargs' own complaints (unknown option, missing argument) arrive as a message; errors thrown
        // by a command or a coerce function arrive as themselves and keep their meaning.
        if (err && err.name !== 'YError') throw err;
        const text = (message ?? err?.message ?? 'invalid usage').replace(/:?\s*\n\s*/g, ': ');
        throw new UsageError(`${text} (see memprof --help)`);
      })
      .parseAsync();
    return 0;
  } catch (err) {
    return reportFailure(err, debug);
  }
}

/**
 * The exit code once all output is flushed: standard output that failed for a reason other than a
 * closed pipe (a full disk behind `> file`) is exit 2 with one line; a closed pipe changes nothing.
 */
export function finalExitCode(code: number): number {
  const problem = stdoutError();
  if (problem === null) return code;
  say(`memprof: ${problem}`);
  return Math.max(code, EXIT_INVALID);
}
