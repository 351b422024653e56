// `memprof profile script.py [args…]`: `memprof record` to a temporary trace, then the `run` report
// of it — the one-command experience of `python -m memory_profiler script.py`. `--keep FILE` keeps
// the trace (for `memprof check` in CI).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordProgram } from '../recorder/record.js';
import { loadWorkload } from '../workload/load.js';
import { emit, ExitStatus, prepareOutput, replay } from './common.js';
import type { ProfileArgs } from './commands/profile.js';
import { reportRecording, scriptArguments } from './record.js';
import { renderReport } from './run.js';

export async function profile(args: ProfileArgs): Promise<void> {
  const output = await prepareOutput(args, [args.script]);
  const dir = mkdtempSync(join(tmpdir(), 'memprof-profile-'));
  const trace = args.keep ?? join(dir, 'trace.ndjson');
  try {
    const outcome = await recordProgram({ script: args.script, args: scriptArguments(args), output: trace, python: args.python, include: args.include ?? [] });
    reportRecording(outcome, args.script, args.keep ?? null, args.quiet);
    if (outcome.traced) {
      const { python: _, ...replayArgs } = args;
      const { report } = await replay(await loadWorkload(trace), replayArgs);
      await emit(renderReport(report, args.format, args), output);
    }
    const code = outcome.traced ? outcome.exitCode : Math.max(outcome.exitCode, 1);
    if (code !== 0) throw new ExitStatus(code);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
