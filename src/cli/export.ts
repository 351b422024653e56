// `memprof export <workload> --python`: the workload as a runnable CPython script that performs it
// with real objects and prints the observables memprof's replay is held to (docs/model.md).
import { exportPython } from '../export/python.js';
import { UsageError } from '../workload/errors.js';
import { loadWorkload } from '../workload/load.js';
import { pythonVersionSchema, type PythonVersion } from '../workload/schema.js';
import { checkWorkloadFile, emit, prepareOutput, requireFileNames } from './common.js';
import type { ExportArgs } from './commands/export.js';

function targetVersion(python: string | boolean | undefined): PythonVersion | undefined {
  if (python === undefined || python === false) throw new UsageError('say what to export: --python (the only format)');
  if (python === true || python === '') return undefined;
  const parsed = pythonVersionSchema.safeParse(python);
  if (!parsed.success) throw new UsageError(`--python must be 3.11, 3.12 or 3.13, got '${python}'`);
  return parsed.data;
}

export async function exportWorkload(args: ExportArgs): Promise<void> {
  const python = targetVersion(args.python);
  requireFileNames([args.workload]);
  const output = await prepareOutput(args, [args.workload]);
  await checkWorkloadFile(args.workload);
  const loaded = await loadWorkload(args.workload);
  const script = await exportPython(loaded, python === undefined ? {} : { python });
  await emit(script, output);
}
