// `memprof run <workload>`: load, replay, render. Nothing here measures anything.
import type { Argv, CommandModule } from 'yargs';
import { renderJson } from '../report/json.js';
import { renderMarkdown } from '../report/markdown.js';
import type { Report } from '../model/report.js';
import { renderText } from '../report/text.js';
import { formatBytes, chooseUnit } from '../report/units.js';
import { loadWorkload } from '../workload/load.js';
import { leakedTotals } from '../analysis/classify.js';
import { terminalSafeJson } from '../report/escape.js';
import {
  checkWorkloadFile,
  emit,
  EXIT_LIMIT_EXCEEDED,
  ExitStatus,
  prepareOutput,
  renderOptions,
  replay,
  requireFileNames,
  say,
  withRenderOptions,
  withReplayOptions,
  type ArgsOf,
  type OptionsOf,
  type RenderArgs,
} from './common.js';

export const REPORT_FORMATS = ['text', 'json', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];


export function renderReport(report: Report, format: ReportFormat, args: RenderArgs & { showReachable?: boolean }): string {
  const options = { ...renderOptions(args, format), showReachable: args.showReachable === true };
  switch (format) {
    case 'json':
      // The document keeps every value; C1 controls and line separators are written as \uXXXX.
      return terminalSafeJson(renderJson(report));
    case 'markdown':
      return renderMarkdown(report, options);
    case 'text':
      return renderText(report, options);
  }
}

async function run(args: RunArgs): Promise<void> {
  requireFileNames([args.workload]);
  const output = await prepareOutput(args, [args.workload]);
  await checkWorkloadFile(args.workload);
  const workload = await loadWorkload(args.workload);
  const { report } = await replay(workload, args);
  await emit(renderReport(report, args.format, args), output);
  if (args.failOnLeak) {
    const leak = report.leaks === undefined ? null : leakedTotals(report.leaks);
    if (leak !== null && leak.objects > 0) {
      const bytes = formatBytes(leak.bytes, chooseUnit(args.unit, leak.bytes), args.precision);
      say(`memprof: ${args.workload}: ${leak.objects} objects (${bytes}) leaked (--fail-on-leak)`);
      throw new ExitStatus(EXIT_LIMIT_EXCEEDED);
    }
  }
}

function runOptions(y: Argv) {
  return withReplayOptions(withRenderOptions(y))
      .positional('workload', { type: 'string', demandOption: true, describe: 'workload file (.json, .ndjson or .jsonl)' })
      .option('format', {
        alias: 'f',
        choices: REPORT_FORMATS,
        default: 'text' as ReportFormat,
        describe: 'text for a terminal, markdown for a PR comment or job summary, json for machines',
      })
      .option('fail-on-leak', {
        type: 'boolean',
        default: false,
        describe: 'exit 1 when objects leaked (uncollectable, external or cyclic) at the end',
      })
      .option('show-reachable', {
        type: 'boolean',
        default: false,
        describe: 'also list reachable objects by allocating line, each with a shortest retention path from a name',
      })
      .example('$0 run workloads/parent_child_cycles.json', 'the report in the terminal')
      .example('$0 run app.json --show-reachable', 'what still holds the live objects: cache → .entries[0] → Node@app.py:12')
      .example('$0 run trace.ndjson --python 3.12 --unit KiB', 'replay on the 3.12 model, figures in KiB')
      .example('$0 run app.json --format markdown -o report.md', 'a Markdown report for a pull request')
      .example('$0 run app.json --format json -q -o report.json', 'the JSON document only, nothing on stdout');
}

type RunArgs = ArgsOf<typeof runOptions>;

export const runCommand: CommandModule<object, OptionsOf<typeof runOptions>> = {
  command: 'run <workload>',
  describe: 'replay a workload and print the full report: line tables, gc, chart, summary',
  builder: runOptions,
  handler: (args) => run(args),
};
