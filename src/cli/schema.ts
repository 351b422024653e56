// `memprof schema`: the JSON Schemas of the workload format and of the report documents, generated
// from their zod schemas (never written by hand).
import { z } from 'zod';
import { checkReportSchema, reportSchema } from '../model/report.js';
import { builtinTypesText } from '../heap/sizes.js';
import { workloadSchema } from '../workload/schema.js';
import { emit, prepareOutput } from './common.js';
import type { SchemaArgs } from './commands/schema.js';

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

export async function schema(args: SchemaArgs): Promise<void> {
  await emit(args.report ? reportJsonSchema('run') : args.checkReport ? reportJsonSchema('check') : workloadJsonSchema(), await prepareOutput(args));
}
