// `memprof plot <workload|report.json>`: the memory-over-time chart alone, like `mprof plot`.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_CHART_SIZE, renderChart } from '../report/chart.js';
import { reportSchema, type Report } from '../model/report.js';
import { UsageError, WorkloadError, WorkloadErrors } from '../workload/errors.js';
import { issueErrors, loadWorkload, parseWorkloadJson, workloadFromObject } from '../workload/load.js';
import {
  emit,
  renderOptions,
  replay,
  withRenderOptions,
  withReplayOptions,
  type RenderArgs,
  type ReplayArgs,
} from './common.js';

const PLOT_FORMATS = ['text', 'markdown'] as const;
type PlotFormat = (typeof PLOT_FORMATS)[number];

interface PlotArgs extends RenderArgs, ReplayArgs {
  file: string;
  format: PlotFormat;
  width: number;
  height: number;
}

/** A document that says it is a memprof report (`"tool": "memprof"`) rather than a workload. */
function claimsToBeReport(document: unknown): boolean {
  return typeof document === 'object' && document !== null && (document as { tool?: unknown }).tool === 'memprof';
}

/** A saved report, checked against the report schema before anything reads it. */
function validReport(document: unknown, file: string): Report {
  const parsed = reportSchema.safeParse(document);
  if (!parsed.success) throw new WorkloadErrors(issueErrors(parsed.error.issues, document, file));
  return parsed.data;
}

/** A `.json` file is read and parsed once: a memprof report is drawn as is, anything else is a workload. */
async function reportOf(args: PlotArgs): Promise<Report> {
  const ext = extname(args.file).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl') {
    return (await replay(await loadWorkload(args.file), args)).report;
  }
  let text: string;
  try {
    text = await readFile(args.file, 'utf8');
  } catch (err) {
    throw new WorkloadError({ file: args.file }, `cannot read file: ${(err as Error).message.replace(/, \w+ '.*'$/, '')}`);
  }
  const document = parseWorkloadJson(text, args.file);
  if (claimsToBeReport(document)) return validReport(document, args.file);
  return (await replay(workloadFromObject(document, args.file), args)).report;
}

async function plot(args: PlotArgs): Promise<void> {
  const report = await reportOf(args);
  const chart = renderChart(report, renderOptions(args, args.format), { width: args.width, height: args.height });
  await emit(args.format === 'markdown' ? `\`\`\`text\n${chart}\`\`\`\n` : chart, args);
}

function chartDimension(flag: string, min: number) {
  return (value: unknown): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer of at least ${min}, got '${String(value)}'`);
    return n;
  };
}

export const plotCommand: CommandModule<object, PlotArgs> = {
  command: 'plot <file>',
  describe: 'the memory-over-time chart alone, from a workload or a saved JSON report',
  builder: (y: Argv) =>
    withReplayOptions(withRenderOptions(y))
      .positional('file', {
        type: 'string',
        demandOption: true,
        describe: 'a workload, or a report written by "memprof run --format json" (its "tool" is "memprof")',
      })
      .option('format', { alias: 'f', choices: PLOT_FORMATS, default: 'text' as PlotFormat, describe: 'markdown wraps the chart in a fenced block' })
      .option('width', { type: 'number', default: DEFAULT_CHART_SIZE.width, describe: 'most characters per row, labels included', coerce: chartDimension('width', 24) })
      .option('height', { type: 'number', default: DEFAULT_CHART_SIZE.height, describe: 'rows of the plot', coerce: chartDimension('height', 2) })
      .example('$0 plot workloads/parent_child_cycles.json', 'replay, then draw memory over time')
      .example('$0 run app.json -f json -o report.json && $0 plot report.json', 'draw a saved report again without replaying')
      .example('$0 plot app.json --unit MiB --width 100', 'a wider chart in MiB') as unknown as Argv<PlotArgs>,
  handler: (args) => plot(args),
};
