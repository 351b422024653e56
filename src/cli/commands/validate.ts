// `memprof validate <workload...>`: its arguments, options and help; the work is done in ../validate.ts.
import type { Argv } from 'yargs';
import { withCommonOptions, withReplayOptions, type ArgsOf, type CommandDefinition, type OptionsOf } from '../common.js';

function validateOptions(y: Argv) {
  return withReplayOptions(withCommonOptions(y))
    .positional('workload', { type: 'string', array: true, demandOption: true, describe: 'workload files' })
    .example('$0 validate workloads/*.json', 'prints "<file>: ok (<N> events)" per valid file')
    .example('$0 validate -q trace.ndjson', 'only the problems, if any (exit code 2)');
}

export type ValidateArgs = ArgsOf<typeof validateOptions>;

export const validateCommand: CommandDefinition<OptionsOf<typeof validateOptions>> = {
  command: 'validate <workload...>',
  describe: 'check workloads: schema, then a replay for semantic problems; no report',
  builder: validateOptions,
};
