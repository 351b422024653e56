// `memprof run <workload>`: its arguments, options and help; the work is done in ../run.ts.
import type { Argv } from 'yargs';
import { withRenderOptions, withReplayOptions, type ArgsOf, type CommandDefinition, type OptionsOf } from '../common.js';

export const REPORT_FORMATS = ['text', 'json', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

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

export type RunArgs = ArgsOf<typeof runOptions>;

export const runCommand: CommandDefinition<OptionsOf<typeof runOptions>> = {
  command: 'run <workload>',
  describe: 'replay a workload and print the full report: line tables, gc, chart, summary',
  builder: runOptions,
};
