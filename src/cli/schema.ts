// `memprof schema`: the workload JSON Schema, generated from the zod schema (never written by hand).
import type { Argv, CommandModule } from 'yargs';
import { z } from 'zod';
import { workloadSchema } from '../workload/schema.js';
import { emit, prepareOutput, withOutputOptions, type OutputArgs } from './common.js';

/** `io: 'input'`: what a user may write (defaults optional), not what the loader hands on. */
export function workloadJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(workloadSchema, { io: 'input' }), null, 2)}\n`;
}

export const schemaCommand: CommandModule<object, OutputArgs> = {
  command: 'schema',
  describe: 'print the workload format\'s JSON Schema (draft 2020-12)',
  builder: (y: Argv) =>
    withOutputOptions(y)
      .example('$0 schema -o memprof-workload.schema.json', 'save it for an editor')
      .example('$0 schema | jq \'.properties | keys\'', 'the top-level keys of a workload') as unknown as Argv<OutputArgs>,
  handler: async (args) => emit(workloadJsonSchema(), await prepareOutput(args)),
};
