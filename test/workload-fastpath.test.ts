// The shortcut past zod (src/workload/fastpath.ts) may only accept what zod accepts, unchanged.
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { passesAsIs } from '../src/workload/fastpath.js';
import { eventSchema } from '../src/workload/schema.js';

type Shape = Record<string, { _zod: { optin?: string; def: { type: string } } }>;

/** Every op of the schema with the keys its events may hold (besides `op`), and those it requires or
 * fills with a default (the fast path wants both present). */
const OPS = eventSchema.options.map((option) => {
  const shape = ('shape' in option ? option.shape : (option as unknown as { unwrap(): { shape: Shape } }).unwrap().shape) as Shape;
  const op = (shape.op as unknown as { value: string }).value;
  const keys = Object.keys(shape).filter((k) => k !== 'op');
  return { op, keys, required: new Set(keys.filter((k) => shape[k]!._zod.optin === undefined || shape[k]!._zod.def.type === 'default')) };
});

/** Keys no event may hold, some of them special to JavaScript objects. */
const STRANGERS = ['colour', '__proto__', 'constructor', 'toString', '0', 'body', 'count'];

const text = fc.constantFrom('n1', 'head', '$head', '$', '', 'a b', 'n{i}', '__proto__', 'é', '0', '_x', '9x', 'Node', 'del', 'legacy', 'saveall', 'obj', 'field');
const number = fc.constantFrom(0, 1, 2, 3, 7, -1, 1.5, -0, 2 ** 53, 1e300);
const scalar = fc.oneof({ weight: 4, arbitrary: text }, { weight: 2, arbitrary: number }, fc.boolean(), fc.constant(null));
const record = fc
  .array(fc.tuple(fc.oneof(text, fc.constantFrom('obj', 'field', 'next', 'constructor', 'resurrect', '__proto__')), scalar), { maxLength: 3 })
  .map((entries) => Object.fromEntries(entries));
const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(fc.oneof(scalar, fc.constant(undefined)), { maxLength: 3 }) },
  { weight: 2, arbitrary: record },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const into = fc.record({ obj: text, field: fc.oneof(text, number) }, { requiredKeys: [] });

/** Values of the type a key usually holds, so that many events are valid; borderline ones among them. */
const TYPICAL: Record<string, fc.Arbitrary<unknown>> = {
  line: number,
  t: number,
  size: number,
  generation: number,
  count: number,
  global: fc.boolean(),
  to: fc.oneof(text, fc.constant(null)),
  value: fc.oneof(text, fc.constant(null)),
  fields: record,
  items: fc.array(fc.oneof(text, fc.constant(null)), { maxLength: 3 }),
  into,
};

/** An event as entries: an op (rarely an unknown one), some of its keys, now and then a stranger,
 * `op` anywhere among them. */
const entries = fc
  // Ops with many keys are drawn more often: fewer of their events come out valid.
  .oneof(...[...OPS, { op: 'allocate', keys: ['id'], required: new Set(['id']) }].map((op) => ({ weight: op.keys.length, arbitrary: fc.constant(op) })))
  .chain(({ op, keys, required }) =>
    fc.tuple(
      fc.constant(op),
      fc.tuple(
        ...keys.map((key) =>
          fc.oneof(
            // A required key is mostly there, an optional one mostly not.
            { weight: required.has(key) ? 1 : 6, arbitrary: fc.constant(undefined) },
            {
              weight: required.has(key) ? 9 : 3,
              arbitrary: fc.oneof({ weight: 4, arbitrary: TYPICAL[key] ?? text }, value).map((v): [string, unknown] => [key, v]),
            },
          ),
        ),
      ),
      fc.option(fc.tuple(fc.constantFrom(...STRANGERS), value), { nil: undefined, freq: 8 }),
      fc.nat(),
    ),
  )
  .map(([op, present, stranger, at]) => {
    const out = present.filter((e): e is [string, unknown] => e !== undefined);
    if (stranger !== undefined) out.push(stranger);
    out.splice(at % (out.length + 1), 0, ['op', op]);
    return out;
  });

describe('the fast path for common events', () => {
  it('accepts only events zod accepts, and zod returns them unchanged', () => {
    const accepted = new Map<string, number>();
    fc.assert(
      fc.property(entries, (event) => {
        // As an object literal builds it (undefined values included), and as JSON.parse reads it.
        for (const candidate of [Object.fromEntries(event), JSON.parse(JSON.stringify(Object.fromEntries(event))) as unknown]) {
          if (!passesAsIs(candidate)) continue;
          const op = (candidate as { op: string }).op;
          accepted.set(op, (accepted.get(op) ?? 0) + 1);
          const parsed = eventSchema.safeParse(candidate);
          if (!parsed.success) return false;
          if (!isDeepStrictEqual(parsed.data, candidate)) return false;
        }
        return true;
      }),
      // A fixed seed: how many events of each op come out valid is then a fact of the test, not luck.
      { numRuns: 60_000, seed: 20261130 },
    );
    // Not vacuous: every op the fast path knows was accepted, many times.
    for (const op of ['alloc', 'ref', 'unref', 'bind', 'unbind', 'incref', 'decref', 'call', 'return', 'line', 'snapshot', 'gc.collect']) {
      expect(accepted.get(op) ?? 0, op).toBeGreaterThan(20);
    }
  });

  it('accepts the events of the bench workloads as they are', () => {
    const events = [
      { op: 'alloc', id: 'n1', type: 'Node', fields: { next: '$head' }, as: 'head', line: 3 },
      { op: 'alloc', id: 'c7', type: 'Node', into: { obj: 'h', field: 's4' }, line: 4 },
      { op: 'alloc', id: 't9', type: 'bytes', size: 401, line: 5 },
      { op: 'ref', from: '$scratch', to: 'c7', line: 7 },
      { op: 'ref', from: 'n3', to: 'n1', field: 'b', line: 6 },
      { op: 'bind', name: 'v3', to: 'c7', line: 8 },
      { op: 'unbind', name: 'head', line: 5 },
      { op: 'call', function: 'f', line: 2 },
      { op: 'return', value: '$x', as: 'y' },
      { op: 'gc.collect', generation: 2, line: 8 },
      { op: 'snapshot', label: 'peak', line: 4 },
      { op: 'line', line: 10 },
      { op: 'alloc', id: 'd1', type: 'dict', entries: [['k1', 'v1'], ['k2', null]], hold: true, line: 11 },
      { op: 'alloc', id: 'o1', type: 'Node', class: 'C', line: 12 },
      { op: 'insert', from: 'l1', index: 0, to: 'o1', line: 12 },
      { op: 'unref', from: 'l1', index: 0, stop: 2, line: 13 },
      { op: 'ref', from: 'd1', key: 'k1', to: 'o1', line: 13 },
      { op: 'call', function: 'g', args: ['o1', 'd1'], line: 14 },
      { op: 'return', value: 'o1', keep: true },
      { op: 'weakref', id: 'w1', to: 'o1', callback: 'cb', hold: true, line: 15 },
    ];
    for (const event of events) expect(passesAsIs(JSON.parse(JSON.stringify(event))), JSON.stringify(event)).toBe(true);
  });

  it('leaves to zod what it would fill, drop or reject', () => {
    for (const event of [
      { op: 'alloc', id: 'n1' },
      { op: 'gc.collect' },
      JSON.parse('{"op": "alloc", "id": "n1", "type": "Node", "fields": {"__proto__": "n2"}}'),
      { op: 'alloc', id: '$n1', type: 'Node' },
      { op: 'bind', name: 'not a name', to: null },
      { op: 'line', line: 0 },
      { op: 'line', colour: 'red' },
      { op: 'repeat', count: 1, var: 'i', body: [] },
      { op: 'weakref', id: 'w', to: 'n1', callback: 3 },
      { op: 'insert', from: 'l', index: -1, to: 'x' },
      { op: 'alloc', id: 'd', type: 'dict', entries: [['k']] },
      [{ op: 'line' }],
      null,
    ]) {
      expect(passesAsIs(event), JSON.stringify(event)).toBe(false);
    }
  });
});
