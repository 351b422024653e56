// `memprof schema`: the JSON Schemas of the workload format and of the report documents, generated
// from their zod schemas (never written by hand).
import type { Argv, CommandModule } from 'yargs';
import { z } from 'zod';
import { checkReportSchema, reportSchema } from '../model/report.js';
import { workloadSchema } from '../workload/schema.js';
import { emit, prepareOutput, withOutputOptions, type OptionsOf } from './common.js';

/** `io: 'input'`: what a user may write (defaults optional), not what the loader hands on. */
export function workloadJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(workloadSchema, { io: 'input' }), null, 2)}\n`;
}

/** What memprof writes: `run --format json` (or `check --format json` with `check`). */
export function reportJsonSchema(which: 'run' | 'check'): string {
  return `${JSON.stringify(z.toJSONSchema(which === 'run' ? reportSchema : checkReportSchema, { io: 'output' }), null, 2)}\n`;
}

function schemaOptions(y: Argv) {
  return withOutputOptions(y)
    .option('report', { type: 'boolean', describe: 'the report of "memprof run --format json" instead' })
    .option('check-report', { type: 'boolean', describe: 'the document of "memprof check --format json" instead' })
    .conflicts('report', 'check-report')
    .example('$0 schema -o memprof-workload.schema.json', 'save it for an editor')
    .example('$0 schema --report -o memprof-report.schema.json', 'the contract of the JSON report')
    .example('$0 schema | jq \'.properties | keys\'', 'the top-level keys of a workload');
}

export const schemaCommand: CommandModule<object, OptionsOf<typeof schemaOptions>> = {
  command: 'schema',
  describe: 'print the JSON Schema (draft 2020-12) of the workload format, or of memprof\'s JSON reports',
  builder: schemaOptions,
  handler: async (args) =>
    emit(args.report ? reportJsonSchema('run') : args.checkReport ? reportJsonSchema('check') : workloadJsonSchema(), await prepareOutput(args)),
};
