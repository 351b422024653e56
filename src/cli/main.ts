// Entry point: parses the command line, runs one command and returns the exit code (SPEC §1).
// Nothing here calls process.exit: bin/memprof.js sets the code, tests call main directly.
import { createRequire } from 'node:module';
import type yargsModule from 'yargs';
import { UsageError } from '../workload/errors.js';
import { checkCommand } from './check.js';
import { reportFailure, VERSION } from './common.js';
import { exportCommand } from './export.js';
import { plotCommand } from './plot.js';
import { profileCommand } from './profile.js';
import { recordCommand, splitScriptArguments } from './record.js';
import { runCommand } from './run.js';
import { schemaCommand } from './schema.js';
import { validateCommand } from './validate.js';

// yargs' ESM entry wraps help text with cliui's ESM build, which cuts words in half at the column
// limit; the CommonJS build wraps on word boundaries.
const yargs = createRequire(import.meta.url)('yargs') as typeof yargsModule;

export async function main(argv: string[]): Promise<number> {
  // Known before parsing, so that a failure while parsing still honours it.
  const debug = argv.includes('--debug');
  try {
    await yargs(splitScriptArguments(argv))
      .scriptName('memprof')
      .usage('$0 <command> [options]\n\nReplays traced Python workloads on a model of CPython\'s memory manager.')
      .command(runCommand)
      .command(checkCommand)
      .command(validateCommand)
      .command(plotCommand)
      .command(exportCommand)
      .command(schemaCommand)
      .command(recordCommand)
      .command(profileCommand)
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
      .epilogue('Exit codes: 0 ok, 1 a limit was exceeded, 2 invalid workload or usage, 3 internal error.')
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
