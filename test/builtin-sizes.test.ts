// The sizes the model gives built-in objects, and the table the README and `memprof schema` show,
// held against what sys.getsizeof says on the interpreters present (3.11, and 3.12/3.13 from pyenv).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERSIONS } from '../src/cpython/versions.js';
import { bytearraySize, bytesSize, dictKeysSize, intSize, isSmallInt, setGrownSlots, setTableSize, strSize } from '../src/heap/layout.js';
import { builtinTypesMarkdown, builtinTypesText } from '../src/heap/sizes.js';
import { workloadJsonSchema } from '../src/cli/schema.js';
import { interpreters } from './differential/oracle.js';

/** What the script prints, in this order; the model's figure for each beside it. */
const SCRIPT = `
import sys, gc, weakref
class C: pass
def f(): pass
c = C()
added = set()
for i in range(5): added.add(i)
values = [object(), C(), [], [None] * 10, (), (1, 2, 3), {}, {'a': 1}, dict.fromkeys('abcde'), dict.fromkeys('abcdef'),
          set(), {1, 2, 3, 4}, added, f, weakref.ref(c), '', 'a' * 10, b'', b'x' * 10,
          1, 2**30 - 1, 2**30, 2**60, 1.5, bytearray(), bytearray(1), bytearray(1024)]
print(' '.join(str(sys.getsizeof(v)) for v in values))
print(gc.is_tracked(object()), int('256') is int('256'), int('257') is int('257'), int('-5') is int('-5'), int('-6') is int('-6'))
`;

function modelSizes(python: keyof typeof VERSIONS): number[] {
  const v = VERSIONS[python];
  const dict = (log2: number): number => v.sizes.dict + dictKeysSize(log2);
  return [
    v.sizes.object, v.sizes.instance, v.sizes.list, v.sizes.list + 80, v.sizes.tuple, v.sizes.tuple + 24, v.sizes.dict, dict(3), dict(3), dict(4),
    v.sizes.set, v.sizes.set, v.sizes.set + setTableSize(setGrownSlots(5)), v.sizes.function, v.sizes.weakref, strSize(v, 0), strSize(v, 10), bytesSize(v, 0), bytesSize(v, 10),
    intSize(v, 1), intSize(v, 2 ** 30 - 1), intSize(v, 2 ** 30), intSize(v, 2 ** 60), v.sizes.float, bytearraySize(v, 0), bytearraySize(v, 1), bytearraySize(v, 1024),
  ];
}

describe('built-in sizes', () => {
  it('bytearray(1024) is 1,081 B, ints 28 then 32 B, small ints -5..256 preallocated, instances 56 B on 3.11 and 48 B on 3.12+', () => {
    expect(bytearraySize(VERSIONS['3.11'], 1024)).toBe(1081);
    expect([intSize(VERSIONS['3.11'], 2 ** 30 - 1), intSize(VERSIONS['3.11'], 2 ** 30), intSize(VERSIONS['3.11'], 0)]).toEqual([28, 32, 28]);
    expect([isSmallInt(VERSIONS['3.12'], -5), isSmallInt(VERSIONS['3.12'], 256), isSmallInt(VERSIONS['3.12'], 257), isSmallInt(VERSIONS['3.12'], -6)]).toEqual([true, true, false, false]);
    expect([VERSIONS['3.11'].sizes.instance, VERSIONS['3.12'].sizes.instance, VERSIONS['3.13'].sizes.instance]).toEqual([56, 48, 48]);
  });

  for (const interpreter of interpreters()) {
    it.skipIf(!interpreter.present)(`equal sys.getsizeof on CPython ${interpreter.python}`, () => {
      const r = spawnSync(interpreter.path, ['-c', SCRIPT], { encoding: 'utf8' });
      const [sizes, facts] = r.stdout.trim().split('\n');
      expect(sizes!.split(' ').map(Number)).toEqual(modelSizes(interpreter.python as keyof typeof VERSIONS));
      expect(facts).toBe('False True False True False');
    });
  }

  it('the README lists exactly the table the model computes', () => {
    expect(readFileSync('README.md', 'utf8')).toContain(`${builtinTypesMarkdown()}\n`);
  });

  it('memprof schema describes alloc.type with the same sizes', () => {
    const schema = JSON.parse(workloadJsonSchema()) as { $defs: { event: { oneOf: { properties: { op: { const: string }; type?: { description: string } } }[] } } };
    const alloc = schema.$defs.event.oneOf.find((e) => e.properties.op.const === 'alloc')!;
    expect(alloc.properties.type!.description).toContain(builtinTypesText());
    expect(builtinTypesText()).toContain('bytearray: 56 empty, 57 + n (`bytearray(1024)`: 1,081) (not a GC type)');
    expect(builtinTypesText()).toContain('(a class name, or none): 56 on 3.11, 48 on 3.12, 48 on 3.13;');
  });
});

describe('the workload JSON Schema', () => {
  it('describes every property', () => {
    const schema = JSON.parse(workloadJsonSchema()) as unknown;
    const defs = (schema as { $defs?: Record<string, { description?: string }> }).$defs ?? {};
    const missing: string[] = [];
    const stack: [unknown, string][] = [[schema, '#']];
    while (stack.length > 0) {
      const [node, path] = stack.pop()!;
      if (node === null || typeof node !== 'object') continue;
      const properties = (node as { properties?: Record<string, { description?: string; $ref?: string }> }).properties;
      for (const [key, value] of Object.entries(properties ?? {})) {
        const target = value.$ref === undefined ? value : defs[value.$ref.split('/').pop()!];
        if (typeof (value.description ?? target?.description) !== 'string' || (value.description ?? target?.description) === '') missing.push(`${path}.${key}`);
      }
      for (const [key, value] of Object.entries(node)) stack.push([value, `${path}/${key}`]);
    }
    expect(missing).toEqual([]);
  });
});
