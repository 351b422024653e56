// `memprof check <workload...>`: its arguments, options and help; the work is done in ../check.ts.
import type { Argv } from 'yargs';
import { LIMIT_FLAGS, SIZE_LIMITS } from '../../analysis/limitFlags.js';
import type { LimitName } from '../../model/report.js';
import { withRenderOptions, withReplayOptions, type ArgsOf, type CommandDefinition, type OptionsOf } from '../common.js';
import { limitFlag, sizeFlag, wholeNumberFlag } from '../numbers.js';

export const CHECK_FORMATS = ['text', 'json', 'markdown', 'github', 'junit'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

/** A limit flag: its text is read by ../numbers.ts (a size, or a count of objects or cycles). */
function limitOption(name: LimitName) {
  const flag = LIMIT_FLAGS[name];
  return {
    type: 'string',
    requiresArg: true,
    describe: `fail above this ${SIZE_LIMITS.has(name) ? 'size (bytes, or "64 MiB")' : 'number'}; overrides the workload's limits.${name}${name === 'leakedObjects' ? ' and the default 0' : ''}; none: no limit`,
    coerce: limitFlag(SIZE_LIMITS.has(name) ? sizeFlag(flag) : wholeNumberFlag(flag, 'a whole number ≥ 0', 0)),
  } as const;
}

function checkOptions(y: Argv) {
  return withReplayOptions(withRenderOptions(y))
    .positional('workload', { type: 'string', array: true, demandOption: true, describe: 'workload files or globs ("workloads/**/*.json")' })
    .option('format', {
      alias: 'f',
      choices: CHECK_FORMATS,
      default: 'text' as CheckFormat,
      describe: 'text; github (annotations at the leaking lines); junit (XML report); json; markdown',
    })
    .option('jobs', {
      alias: 'j',
      type: 'string',
      requiresArg: true,
      describe: 'workloads replayed at once, each on a worker thread (default and most: the number of CPU cores)',
      coerce: wholeNumberFlag('jobs', 'a positive integer', 1),
    })
    .option('max-leaked-objects', limitOption('leakedObjects'))
    .option('max-leaked-bytes', limitOption('leakedBytes'))
    .option('max-cycles', limitOption('cycles'))
    .option('max-uncollectable', limitOption('uncollectable'))
    .option('max-peak', limitOption('peakBytes'))
    .option('max-final', limitOption('finalBytes'))
    .example('$0 check workloads/*.json', 'one PASS/FAIL line per workload; exit 1 when a limit is exceeded')
    .example('$0 check "tests/memory/**/*.json" --max-leaked-objects 0 --max-peak "64 MiB"', 'limits for every workload')
    .example('$0 check traces/*.json --format github', 'annotations at the lines that allocated leaked objects')
    .example('$0 check traces/*.json --format junit -o memprof.xml', 'a JUnit report for the CI test view');
}

export type CheckArgs = ArgsOf<typeof checkOptions>;

export const checkCommand: CommandDefinition<OptionsOf<typeof checkOptions>> = {
  command: 'check <workload...>',
  describe: 'CI gate: replay each workload, hold its leaks and memory against limits, print PASS/FAIL',
  builder: checkOptions,
};
