// `memprof export <workload> --python`: its arguments, options and help; the work is done in ../export.ts.
import type { Argv } from 'yargs';
import { withOutputOptions, type ArgsOf, type CommandDefinition, type OptionsOf } from '../common.js';

function exportOptions(y: Argv) {
  return withOutputOptions(y)
    .positional('workload', { type: 'string', demandOption: true, describe: 'workload file (.json, .ndjson)' })
    .option('python', {
      // `--python` alone is a flag; `--python 3.13` also overrides the workload's model.
      type: 'string',
      describe: 'export as a Python script (optionally for 3.11, 3.12 or 3.13: 3.13 defaults threshold 0 to 2000)',
    })
    .example('$0 export workloads/parent_child_cycles.json --python -o cycles.py', 'then: python3 cycles.py')
    .example('$0 export trace.ndjson --python 3.13 | python3.13', 'run it on CPython 3.13 directly');
}

export type ExportArgs = ArgsOf<typeof exportOptions>;

export const exportCommand: CommandDefinition<OptionsOf<typeof exportOptions>> = {
  command: 'export <workload>',
  describe: 'write a CPython script that performs the workload and prints what gc observed (JSON)',
  builder: exportOptions,
};
