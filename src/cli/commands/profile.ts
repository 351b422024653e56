// `memprof profile script.py [args…]`: its arguments, options and help; the work is done in ../profile.ts.
import type { Argv } from 'yargs';
import { withRenderOptions, withReplayOptions, type ArgsOf, type CommandDefinition, type OptionsOf } from '../common.js';
import { withRecordOptions } from './record.js';
import { REPORT_FORMATS, type ReportFormat } from './run.js';

function profileOptions(y: Argv) {
  return withRecordOptions(withReplayOptions(withRenderOptions(y)))
      .positional('script', { type: 'string', demandOption: true, describe: 'the Python script; everything after it is its own arguments' })
      .option('format', { alias: 'f', choices: REPORT_FORMATS, default: 'text' as ReportFormat, describe: 'text, markdown or json' })
      .option('keep', { type: 'string', requiresArg: true, describe: 'keep the trace in FILE (for memprof run or check later)' })
      .option('show-reachable', { type: 'boolean', default: false, describe: 'also list reachable objects by allocating line' })
      .parserConfiguration({ 'populate--': true })
      .example('$0 profile app.py', 'the line tables of the @profile functions (all traced code without any), gc, leaks, real run vs model')
      .example('$0 profile --keep app.ndjson app.py && $0 check app.ndjson', 'keep the trace for the CI gate');
}

export type ProfileArgs = ArgsOf<typeof profileOptions>;

export const profileCommand: CommandDefinition<OptionsOf<typeof profileOptions>> = {
  command: 'profile <script>',
  describe: 'record a Python program and print its report at once (like python -m memory_profiler)',
  builder: profileOptions,
};
