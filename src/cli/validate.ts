// `memprof validate <workload...>`: every file is loaded and replayed (the replay finds the semantic
// problems), none is reported on. One bad file does not stop the others.
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
} from './common.js';
import type { ValidateArgs } from './commands/validate.js';

export async function validate(args: ValidateArgs): Promise<void> {
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
