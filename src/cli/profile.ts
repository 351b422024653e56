// `memprof profile script.py [args…]`: `memprof record` to a temporary trace, then the `run` report
// of it — the one-command experience of `python -m memory_profiler script.py`. `--keep FILE` keeps
// the trace (for `memprof check` in CI).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { recordProgram } from '../recorder/record.js';
import { loadWorkload } from '../workload/load.js';
import { emit, ExitStatus, prepareOutput, replay, withRenderOptions, withReplayOptions, type ArgsOf, type OptionsOf } from './common.js';
import { reportRecording, scriptArguments, withRecordOptions } from './record.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from './run.js';

async function profile(args: ProfileArgs): Promise<void> {
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

type ProfileArgs = ArgsOf<typeof profileOptions>;

export const profileCommand: CommandModule<object, OptionsOf<typeof profileOptions>> = {
  command: 'profile <script>',
  describe: 'record a Python program and print its report at once (like python -m memory_profiler)',
  builder: profileOptions,
  handler: (args) => profile(args),
};
