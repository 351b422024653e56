// `memprof plot <workload|report.json>`: the memory-over-time chart alone, like `mprof plot`.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { z } from 'zod';
import { DEFAULT_CHART_SIZE, renderChart } from '../report/chart.js';
import { markdownFence, terminalSafe } from '../report/escape.js';
import type { Report } from '../report/model.js';
import { WorkloadError } from '../workload/errors.js';
import { loadWorkload, parseWorkloadJson, workloadFromObject } from '../workload/load.js';
import {
  checkWorkloadFile,
  emit,
  prepareOutput,
  renderOptions,
  replay,
  requireFileNames,
  withRenderOptions,
  withReplayOptions,
  type RenderArgs,
  type ReplayArgs,
} from './common.js';
import { MAX_WHOLE, wholeNumberFlag } from './numbers.js';

const PLOT_FORMATS = ['text', 'markdown'] as const;
type PlotFormat = (typeof PLOT_FORMATS)[number];

interface PlotArgs extends RenderArgs, ReplayArgs {
  file: string;
  format: PlotFormat;
  width: number;
  height: number;
}

function isReport(document: unknown): boolean {
  return typeof document === 'object' && document !== null && (document as { tool?: unknown }).tool === 'memprof';
}

/** A figure in a saved report: a finite number a chart can scale (clock values and bytes). */
const figure = z.number().min(0).max(MAX_WHOLE);

/**
 * What the chart reads of a saved report. A report.json comes from anywhere (an artifact of another
 * job, a pull request): its shape is checked, so a bad one is named as such, never drawn half.
 */
const plottableReport = z.object({
  tool: z.literal('memprof'),
  timeline: z.array(z.object({ t: figure, bytes: figure, min: figure, max: figure, rss: figure.optional() })),
  summary: z.object({
    peakBytes: figure,
    peakT: figure,
    peakLine: z.object({ file: z.string(), line: z.number().int().min(0).max(MAX_WHOLE) }).nullable(),
  }),
  memory: z.object({}).optional(),
  gc: z.object({ passes: z.array(z.object({ t: figure })) }),
});

function jsonPath(path: PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

/** The saved report, checked; every workload string in it escaped for the terminal. */
function savedReport(document: unknown, file: string): Report {
  const parsed = plottableReport.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new WorkloadError(
      { file, path: jsonPath(issue.path) },
      `not a report memprof can draw: ${issue.message}`,
      'plot reads the JSON written by "memprof run --format json", or a workload',
    );
  }
  return terminalSafe(parsed.data as unknown as Report);
}

/** A `.json` file is read and parsed once: a memprof report is drawn as is, anything else is a workload. */
async function reportOf(args: PlotArgs): Promise<Report> {
  await checkWorkloadFile(args.file);
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
  if (isReport(document)) return savedReport(document, args.file);
  return (await replay(workloadFromObject(document, args.file), args)).report;
}

async function plot(args: PlotArgs): Promise<void> {
  requireFileNames([args.file]);
  const output = await prepareOutput(args, [args.file]);
  // A replayed report is escaped here too: the chart's caret names the peak's file.
  const report = terminalSafe(await reportOf(args));
  const chart = renderChart(report, renderOptions(args, args.format), { width: args.width, height: args.height });
  await emit(args.format === 'markdown' ? markdownFence(chart) : chart, output);
}

/** Chart sizes: wide and tall enough to read, small enough to draw at once. */
const CHART_LIMITS = { width: [24, 1000], height: [2, 500] } as const;

function chartDimension(flag: 'width' | 'height') {
  const [min, max] = CHART_LIMITS[flag];
  return wholeNumberFlag(flag, `an integer from ${min} to ${max}`, min, max);
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
      .option('width', { type: 'string', default: DEFAULT_CHART_SIZE.width, requiresArg: true, describe: 'most characters per row, labels included (24 to 1000)', coerce: chartDimension('width') })
      .option('height', { type: 'string', default: DEFAULT_CHART_SIZE.height, requiresArg: true, describe: 'rows of the plot (2 to 500)', coerce: chartDimension('height') })
      .example('$0 plot workloads/parent_child_cycles.json', 'replay, then draw memory over time')
      .example('$0 run app.json -f json -o report.json && $0 plot report.json', 'draw a saved report again without replaying')
      .example('$0 plot app.json --unit MiB --width 100', 'a wider chart in MiB') as unknown as Argv<PlotArgs>,
  handler: (args) => plot(args),
};
