// `memprof run <workload>`: load, replay, render. Nothing here measures anything.
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
  type RenderArgs,
} from './common.js';
import type { ReportFormat, RunArgs } from './commands/run.js';

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

export async function run(args: RunArgs): Promise<void> {
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
