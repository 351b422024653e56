// `memprof schema`: its arguments, options and help; the work is done in ../schema.ts.
import type { Argv } from 'yargs';
import { withOutputOptions, type ArgsOf, type CommandDefinition, type OptionsOf } from '../common.js';

function schemaOptions(y: Argv) {
  return withOutputOptions(y)
    .option('report', { type: 'boolean', describe: 'the report of "memprof run --format json" instead' })
    .option('check-report', { type: 'boolean', describe: 'the document of "memprof check --format json" instead' })
    .conflicts('report', 'check-report')
    .example('$0 schema -o memprof-workload.schema.json', 'save it for an editor')
    .example('$0 schema --report -o memprof-report.schema.json', 'the contract of the JSON report')
    .example('$0 schema | jq \'.properties | keys\'', 'the top-level keys of a workload');
}

export type SchemaArgs = ArgsOf<typeof schemaOptions>;

export const schemaCommand: CommandDefinition<OptionsOf<typeof schemaOptions>> = {
  command: 'schema',
  describe: 'print the JSON Schema (draft 2020-12) of the workload format, or of memprof\'s JSON reports',
  builder: schemaOptions,
};
