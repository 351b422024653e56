// `memprof validate <workload...>`: every file is loaded and replayed (the replay finds the semantic
// problems), none is reported on. One bad file does not stop the others.
import type { Argv, CommandModule } from 'yargs';
import { terminalText } from '../report/escape.js';
import { loadWorkload } from '../workload/load.js';
import {
  checkWorkloadFile,
  EXIT_OK,
  ExitStatus,
  replay,
  reportFailure,
  requireFileNames,
  writeStdout,
  withCommonOptions,
  withReplayOptions,
  type ArgsOf,
  type OptionsOf,
} from './common.js';

async function validate(args: ValidateArgs): Promise<void> {
  requireFileNames(args.workload);
  let worst = EXIT_OK;
  for (const file of args.workload) {
    try {
      await checkWorkloadFile(file);
      const { report } = await replay(await loadWorkload(file), args);
      const events = report.workload.events;
      if (!args.quiet) writeStdout(`${terminalText(file)}: ok (${events} event${events === 1 ? '' : 's'})\n`);
    } catch (err) {
      worst = Math.max(worst, reportFailure(err, args.debug));
    }
  }
  if (worst !== EXIT_OK) throw new ExitStatus(worst);
}

function validateOptions(y: Argv) {
  return withReplayOptions(withCommonOptions(y))
    .positional('workload', { type: 'string', array: true, demandOption: true, describe: 'workload files' })
    .example('$0 validate workloads/*.json', 'prints "<file>: ok (<N> events)" per valid file')
    .example('$0 validate -q trace.ndjson', 'only the problems, if any (exit code 2)');
}

type ValidateArgs = ArgsOf<typeof validateOptions>;

export const validateCommand: CommandModule<object, OptionsOf<typeof validateOptions>> = {
  command: 'validate <workload...>',
  describe: 'check workloads: schema, then a replay for semantic problems; no report',
  builder: validateOptions,
  handler: (args) => validate(args),
};
