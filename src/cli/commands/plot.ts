// `memprof plot <workload|report.json>`: its arguments, options and help; the work is done in ../plot.ts.
import type { Argv } from 'yargs';
import { DEFAULT_CHART_SIZE } from '../../report/chartSize.js';
import { withRenderOptions, withReplayOptions, type ArgsOf, type CommandDefinition, type OptionsOf } from '../common.js';
import { wholeNumberFlag } from '../numbers.js';

const PLOT_FORMATS = ['text', 'markdown'] as const;
type PlotFormat = (typeof PLOT_FORMATS)[number];

/** Chart sizes: wide and tall enough to read, small enough to draw at once. */
const CHART_LIMITS = { width: [24, 1000], height: [2, 500] } as const;

function chartDimension(flag: 'width' | 'height') {
  const [min, max] = CHART_LIMITS[flag];
  return wholeNumberFlag(flag, `an integer from ${min} to ${max}`, min, max);
}

function plotOptions(y: Argv) {
  return withReplayOptions(withRenderOptions(y))
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
    .example('$0 plot app.json --unit MiB --width 100', 'a wider chart in MiB');
}

export type PlotArgs = ArgsOf<typeof plotOptions>;

export const plotCommand: CommandDefinition<OptionsOf<typeof plotOptions>> = {
  command: 'plot <file>',
  describe: 'the memory-over-time chart alone, from a workload or a saved JSON report',
  builder: plotOptions,
};
