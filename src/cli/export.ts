// `memprof export <workload> --python`: the workload as a runnable CPython script that performs it
// with real objects and prints the observables memprof's replay is held to (docs/model.md).
import type { Argv, CommandModule } from 'yargs';
import { exportPython } from '../export/python.js';
import { UsageError } from '../workload/errors.js';
import { loadWorkload } from '../workload/load.js';
import { pythonVersionSchema, type PythonVersion } from '../workload/schema.js';
import { checkWorkloadFile, emit, prepareOutput, requireFileNames, withOutputOptions, type ArgsOf, type OptionsOf } from './common.js';

function targetVersion(python: string | boolean | undefined): PythonVersion | undefined {
  if (python === undefined || python === false) throw new UsageError('say what to export: --python (the only format)');
  if (python === true || python === '') return undefined;
  const parsed = pythonVersionSchema.safeParse(python);
  if (!parsed.success) throw new UsageError(`--python must be 3.11, 3.12 or 3.13, got '${python}'`);
  return parsed.data;
}

async function exportWorkload(args: ExportArgs): Promise<void> {
  const python = targetVersion(args.python);
  requireFileNames([args.workload]);
  const output = await prepareOutput(args, [args.workload]);
  await checkWorkloadFile(args.workload);
  const loaded = await loadWorkload(args.workload);
  const script = await exportPython(loaded, python === undefined ? {} : { python });
  await emit(script, output);
}

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

type ExportArgs = ArgsOf<typeof exportOptions>;

export const exportCommand: CommandModule<object, OptionsOf<typeof exportOptions>> = {
  command: 'export <workload>',
  describe: 'write a CPython script that performs the workload and prints what gc observed (JSON)',
  builder: exportOptions,
  handler: (args) => exportWorkload(args),
};
