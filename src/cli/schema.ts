// `memprof schema`: the JSON Schemas of the workload format and of the report documents, generated
// from their zod schemas (never written by hand).
import type { Argv, CommandModule } from 'yargs';
import { z } from 'zod';
import { checkReportSchema, reportSchema } from '../model/report.js';
import { builtinTypesText } from '../heap/sizes.js';
import { workloadSchema } from '../workload/schema.js';
import { emit, prepareOutput, withOutputOptions, type OptionsOf } from './common.js';

/** `io: 'input'`: what a user may write (defaults optional), not what the loader hands on. The
 * description of `alloc.type` and of `types` also lists the built-in types with their sizes per
 * Python version, from the model's own size facts (heap/sizes.ts). */
export function workloadJsonSchema(): string {
  const schema = z.toJSONSchema(workloadSchema, { io: 'input' }) as JsonSchemaNode;
  const sizes = builtinTypesText();
  const alloc = (schema.$defs?.event?.oneOf ?? []).find((e) => e.properties?.op?.const === 'alloc');
  const type = alloc?.properties?.type;
  if (type !== undefined) type.description = `${type.description ?? ''}. ${sizes}`;
  const types = schema.properties?.types;
  if (types !== undefined) types.description = `${types.description ?? ''}. A name that is not declared and not built in is a class of the workload's own. ${sizes}`;
  return `${JSON.stringify(schema, null, 2)}\n`;
}

interface JsonSchemaNode {
  description?: string;
  const?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  oneOf?: JsonSchemaNode[];
  $defs?: Record<string, JsonSchemaNode>;
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
