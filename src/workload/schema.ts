// The workload format v1: the single source of truth. TypeScript types come from z.infer and
// `memprof schema` prints z.toJSONSchema of `workloadSchema`; nothing else describes the format.
import { z } from 'zod';
import { PYTHON_VERSIONS } from './versions.js';

// ---------------------------------------------------------------------------------------------
// Ranges
//
// Every number a workload holds has a documented range, so that whatever a hostile file says, the
// figures memprof computes stay exact and every loop over them ends. Byte counts are JavaScript
// numbers: exact up to 2^53−1, so that is the largest size, and the loader also holds the bytes a
// whole trace allocates to it (see budget.ts).

/** The largest byte count: sizes, `baseline`, and the bytes a trace allocates in all. */
export const MAX_BYTES = Number.MAX_SAFE_INTEGER;
export const SIZE_RANGE_MESSAGE = `sizes are whole bytes from 0 to 2^53−1 (${MAX_BYTES})`;
/** Largest `t` (virtual ms, about 285,000 years): clock arithmetic stays exact to the millisecond. */
export const MAX_T = Number.MAX_SAFE_INTEGER;
/** Largest `line`: CPython's line numbers are C ints. */
export const MAX_LINE = 2 ** 31 - 1;
/** Largest `repeat.count`, a generation threshold: C ints in CPython (`gc.set_threshold` raises
 * OverflowError above). */
export const MAX_COUNT = 2 ** 31 - 1;
export const MAX_THRESHOLD = 2 ** 31 - 1;
/** Largest `gc.startupObjects`: each is an object in memprof's heap (1,000,000 take ~400 MB). */
export const MAX_STARTUP_OBJECTS = 1_000_000;
/** Largest nesting of `repeat`s (checked before the schema, which recurses per level). */
export const MAX_REPEAT_DEPTH = 100;
/** Largest NDJSON line, in bytes. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** Items a list or tuple may hold in one event, most of them values the trace does not follow. */
export const MAX_LENGTH = 100_000_000;

/** `"64 MiB"`, `"1.5 KB"`, `512`: 1024-based units; KB/MB/GB mean the same as KiB/MiB/GiB. */
export const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*$/;

const UNIT_SHIFT: Record<string, number> = { B: 0, KiB: 10, KB: 10, MiB: 20, MB: 20, GiB: 30, GB: 30 };

/**
 * The bytes a size string stands for, computed exactly (`"1.5 KiB"` is 1536), or undefined when it
 * is not a size, not a whole number of bytes (`"0.3 B"`, `"0.1 MiB"`) or more than MAX_BYTES.
 */
export function sizeStringBytes(text: string): number | undefined {
  const m = SIZE_PATTERN.exec(text);
  if (!m) return undefined;
  const [whole, fraction = ''] = m[1]!.split('.') as [string, string?];
  const shift = UNIT_SHIFT[m[2] ?? 'B']!;
  const intDigits = whole.replace(/^0+/, '');
  const fracDigits = fraction.replace(/0+$/, '');
  // MAX_BYTES has 16 digits; a unit's 2^shift bytes can be a whole number only with at most `shift`
  // decimals. Longer digit strings need no arithmetic (nor a costly BigInt).
  if (intDigits.length > 16 || fracDigits.length > shift) return undefined;
  const scaled = BigInt(intDigits + fracDigits || '0') << BigInt(shift);
  const denominator = 10n ** BigInt(fracDigits.length);
  if (scaled % denominator !== 0n) return undefined;
  const bytes = scaled / denominator;
  return bytes <= BigInt(MAX_BYTES) ? Number(bytes) : undefined;
}

// zod's int is a safe integer: at most 2^53−1 (MAX_BYTES) either way.
const sizeNumberSchema = z.number().int({ error: SIZE_RANGE_MESSAGE }).min(0, { error: SIZE_RANGE_MESSAGE });

const sizeStringSchema = z
  .string()
  .regex(SIZE_PATTERN, {
    error: 'not a size: write bytes as a number or a string like "64 MiB" (units B, KiB, MiB, GiB)',
  })
  .refine((s) => !SIZE_PATTERN.test(s) || sizeStringBytes(s) !== undefined, { error: SIZE_RANGE_MESSAGE });

export const sizeSchema = z
  .union([sizeNumberSchema, sizeStringSchema], {
    // Both options failed at their type: a fraction or a number beyond the range (zod's int check
    // stops there), or neither a number nor a string.
    error: (issue) =>
      typeof issue.input === 'number' ? SIZE_RANGE_MESSAGE : 'not a size: write whole bytes as a number or a string like "64 MiB"',
  })
  .describe(
    `bytes: a whole number from 0 to 2^53−1 (${MAX_BYTES}), or a string like "64 MiB" or "1.5 KiB" that comes out whole ` +
      '(units B, KiB, MiB, GiB; KB/MB/GB accepted as the same)',
  );

/** The class of an `alloc` that names no type: a plain class of the workload's own (`class
 * Instance: pass`). `"object"` is Python's own `object()`. */
export const DEFAULT_CLASS = 'Instance';

/** An object id (`"n42"`) or `"$name"` (the object a name is bound to). */
export const refSchema = z
  .string()
  .min(1)
  .describe('an object id ("n42"), "$name": the object bound to name in the current frame, else the module, or (in a recorded trace) "@external": an object the trace does not follow, such as a library\'s class, which the collector tracks');

export const nullableRefSchema = refSchema.nullable().describe('an object reference, or null for None');
/** A Python identifier: a name in a frame, or a repeat's loop variable. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const nameSchema = z.string().regex(NAME_PATTERN, { message: 'not a Python name' });
const idSchema = z
  .string()
  .min(1)
  .refine((s) => !s.startsWith('$'), { message: 'an object id must not start with "$"' })
  .describe('a new object id: non-empty, not starting with "$", never reused');

export const finalizerSchema = z
  .union(
    [
      z.literal('del').describe('a Python __del__ (PEP 442: runs at most once, may resurrect)'),
      z.literal('legacy').describe('a C-level tp_del: runs on every deallocation; blocks cyclic collection'),
      z
        .strictObject({
          resurrect: z
            .string()
            .regex(/^\$[A-Za-z_][A-Za-z0-9_]*$/, { error: 'not a "$name" (a $ and a Python name)' })
            .describe('"$name": the module-level list the finalizer appends self to'),
        })
        .describe('a __del__ that appends self to the module-level list bound to the name'),
    ],
    { error: 'not a finalizer: write "del", "legacy" or {"resurrect": "$name"}' },
  )
  .describe('the finalizer of a class or object');

const common = {
  line: z
    .number()
    .int()
    .min(1)
    .max(MAX_LINE)
    .optional()
    .describe(`source line, 1 to 2^31−1 (inherited from the previous event of the frame)`),
  file: z.string().min(1).optional().describe('source file (defaults to source.file; on call: the callee file)'),
  t: z
    .number()
    .min(0)
    .max(MAX_T)
    .optional()
    .describe(`virtual time in ms, 0 to 2^53−1 (inherited from the previous event)`),
};

const intoSchema = z.strictObject({
  obj: refSchema,
  field: z.string().optional().describe('store as this field (or dict key); without it, append as an item'),
});

const lengthSchema = z
  .number()
  .int()
  .min(0)
  .max(MAX_LENGTH)
  .optional()
  .describe(
    'list or tuple: its number of items, when more than `items` gives: the items after those are values the trace does not follow (None, ints, strs), as null items',
  );

const allocEvent = z.strictObject({
  op: z.literal('alloc').describe('a new object: `x = Node()`, `[a, b]`, `lst.append(Node())`; with neither "as" nor "into" a temporary that dies at once'),
  ...common,
  id: idSchema,
  type: z
    .string()
    .min(1)
    .default(DEFAULT_CLASS)
    .describe(
      `a built-in type (its size per Python version: the README's table, \`memprof schema\`'s description of "types") or the name of a class of the workload's own ("Node"; declared in "types" or not). Left out: "${DEFAULT_CLASS}", a plain class instance ("object" is Python's object(), 16 bytes, no attributes)`,
    ),
  size: sizeSchema.optional(),
  fields: z
    .record(z.string(), nullableRefSchema)
    .optional()
    .describe('attributes (class instances) or keys (dict): any string, "__proto__" and "constructor" included'),
  items: z.array(nullableRefSchema).optional().describe('items (list, tuple)'),
  length: lengthSchema,
  as: nameSchema.optional().describe('bind the new object to this name'),
  into: intoSchema.optional().describe('store the new object into another object'),
  global: z.boolean().optional().describe('with as: bind in the module frame'),
  finalizer: finalizerSchema.optional(),
  entries: z
    .array(z.tuple([refSchema, nullableRefSchema]))
    .optional()
    .describe('dict entries whose keys are objects (`{1: a, obj: b}`): [key, value] pairs, in order'),
  class: refSchema.optional().describe('the type object of a class instance, when the trace has it (a recorded class): the instance holds a reference to it, as CPython instances of heap types do'),
  hold: z.boolean().optional().describe("the frame's evaluation stack holds the new object until the line's execution ends (a recorded trace allocates first, then stores)"),
  tracked: z
    .boolean()
    .optional()
    .describe('true: a dict the collector tracks though it holds nothing that may be tracked, because it once did (a recorder met it late); it stays tracked until a full collection untracks it'),
});

const indexSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const refEvent = z.strictObject({
  op: z.literal('ref').describe('a reference stored: `a.f = b`, `d[k] = b`, `lst[i] = b`, or without field/key/index `a.append(b)`'),
  ...common,
  from: refSchema,
  to: nullableRefSchema,
  field: z
    .string()
    .optional()
    .describe('`a.f = b` / `d["f"] = b`: the attribute or str key to store into; `__dict__` of a class instance is `a.__dict__ = b`, which makes the dict b its attributes (the Borg pattern\'s shared state)'),
  key: refSchema.optional().describe('`d[k] = b` with an object key `k`'),
  index: indexSchema.optional().describe('`lst[i] = b`: replaces item i'),
});

const unrefEvent = z.strictObject({
  op: z.literal('unref').describe('a reference removed: `del a.f`, `del d[k]`, `del lst[i]`, `del lst[i:j]`, `lst.remove(b)`'),
  ...common,
  from: refSchema,
  field: z.string().optional().describe('`del a.f` / `del d["f"]`'),
  to: refSchema.optional().describe('`lst.remove(b)` / `s.discard(b)`: the first item that is b'),
  key: refSchema.optional().describe('`del d[k]` with an object key `k`'),
  index: indexSchema.optional().describe('`del lst[i]` / `lst.pop(i)`'),
  stop: indexSchema.optional().describe('with index: `del lst[index:stop]`'),
});

const insertEvent = z.strictObject({
  op: z.literal('insert').describe('`lst.insert(i, b)`'),
  ...common,
  from: refSchema.describe('the list'),
  index: indexSchema.describe('the position the new item takes (`lst.insert(i, b)`)'),
  to: nullableRefSchema,
});

const setItemsEvent = z.strictObject({
  op: z.literal('setitems').describe('a list\'s items replaced at once: `lst.sort()`, `lst[a:b] = …`, `lst.extend(…)`'),
  ...common,
  from: refSchema.describe('the list'),
  items: z.array(nullableRefSchema).describe('all its items afterwards: `lst.sort()`, `lst.reverse()`, `lst[a:b] = …`, `lst.extend(…)`, `lst *= n`'),
  length: lengthSchema,
});

const clearEvent = z.strictObject({
  op: z.literal('clear').describe('`lst.clear()`, `d.clear()`, `s.clear()`'),
  ...common,
  from: refSchema.describe('`lst.clear()`, `d.clear()`, `s.clear()`: the container is emptied and its table given back'),
});

const bindEvent = z.strictObject({
  op: z.literal('bind').describe('`name = b`: binds a name in the current frame (dropping what it held)'),
  ...common,
  name: nameSchema.describe('the name bound, a Python identifier'),
  to: nullableRefSchema,
  global: z.boolean().optional().describe('bind in the module frame (a `global` statement)'),
});

const unbindEvent = z.strictObject({
  op: z.literal('unbind').describe('`del name`'),
  ...common,
  name: nameSchema.describe('the name unbound'),
  global: z.boolean().optional().describe('unbind in the module frame (a `global` statement)'),
});

const increfEvent = z.strictObject({ op: z.literal('incref').describe('`Py_INCREF` from C code: a reference no object or name holds'), ...common, id: refSchema });
const decrefEvent = z.strictObject({ op: z.literal('decref').describe('`Py_DECREF` from C code, undoing an incref'), ...common, id: refSchema });
const materializeEvent = z.strictObject({
  op: z
    .literal('materialize')
    .describe(
      "a class instance's attributes go into a dict object, which the instance refers to from then on: on CPython 3.11 and 3.12 when its `__dict__` is made (`vars(obj)`, `obj.__dict__`, copy, pickle); on 3.13 from its first attribute, for a class that keeps no values inline (a subclass of a class with `__slots__` or of a C type, `__dict__` in `__slots__`; 3.13 keeps other instances' values inline when their `__dict__` is made). An instance of a subclass of list, dict, set, frozenset or tuple (declared with \"base\") gets its dict at its first attribute on every version: the dict is the object `<id>.__dict__`, which the events storing its attributes name (`{\"op\": \"ref\", \"from\": \"e.__dict__\", \"field\": \"outer\", …}`), and it dies with its instance",
    ),
  ...common,
  id: refSchema.describe('the instance'),
  size: sizeSchema.optional().describe("the dict's size (`sys.getsizeof`), when recorded"),
  dict: refSchema
    .optional()
    .describe(
      "`obj.__dict__ = d`: the instance refers to the dict `d` as its `__dict__` from then on, and lets go of the values or the dict it had (`self.__dict__ = self` in a dict subclass, the attribute dict of its own items); no dict is made",
    ),
});

const setClassEvent = z.strictObject({
  op: z.literal('setclass').describe("`obj.__class__ = C`: a class instance becomes an instance of another class (the state pattern); its attributes stay, in a dict CPython makes for them (`materialize`)"),
  ...common,
  id: refSchema.describe('the instance'),
  type: z.string().min(1).describe('the name of its new class'),
  class: refSchema.optional().describe("the new class's type object, when the trace has it: the instance refers to it instead of the old one"),
});

const callEvent = z.strictObject({
  op: z.literal('call').describe('entering a function; its events follow, on the callee\'s lines'),
  ...common,
  function: z.string().min(1).describe("the callee's name"),
  args: z
    .array(refSchema)
    .optional()
    .describe(
      "the arguments: the callee's frame holds them until it returns; a value an earlier call returned to the caller (`return` with `keep`) passes from the caller's evaluation stack to the callee, which releases it then",
    ),
});

const returnEvent = z.strictObject({
  op: z.literal('return').describe('leaving the function: its frame\'s names are unbound'),
  ...common,
  value: nullableRefSchema.optional().describe('the return value, kept alive while the frame is left'),
  as: nameSchema.optional().describe('bind the value to this name in the caller'),
  keep: z.boolean().optional().describe("the caller's evaluation stack holds the value until the caller's line execution ends (where it goes is the caller's next events)"),
});

const holdEvent = z.strictObject({
  op: z.literal('hold').describe('a value the frame\'s evaluation stack holds until the line\'s execution ends'),
  ...common,
  id: refSchema.describe("an object the frame's evaluation stack holds until the line's execution ends (a value in flight: a call's argument, an item just popped)"),
});

const releaseEvent = z.strictObject({
  op: z
    .literal('release')
    .describe(
      "the frame's evaluation stack lets go of objects before the line's execution ends: garbage made and dropped by code the trace does not follow (a library's reference cycles), which a recorder saw only as a collection was about to find it",
    ),
  ...common,
  ids: z.array(refSchema).min(1).max(MAX_LENGTH).describe('objects the frame\'s evaluation stack holds ("hold": true allocations), let go of in this order'),
});

const weakrefEvent = z.strictObject({
  op: z.literal('weakref').describe('`w = weakref.ref(x, callback)`: a new weakref object'),
  ...common,
  id: idSchema,
  to: refSchema,
  type: z.string().min(1).optional().describe('a subclass of weakref.ref declared in `types` with base "weakref" (weakref.KeyedRef); default weakref'),
  size: sizeSchema.optional().describe("the weakref's size, when not its type's"),
  callback: z.string().optional().describe('label logged when the callback runs'),
  callable: refSchema
    .optional()
    .describe(
      "the callback object itself (`wr.__callback__`, a function or a bound method), when the trace follows it: the weakref refers to it until the referent dies by reference counting (after the callback ran), the weakref is cleared or it dies. A referent the collector frees leaves it in place, as CPython does (needs a callback)",
    ),
  discard: refSchema
    .optional()
    .describe(
      "what the callback does: it takes the weakref out of this container — a set holding it, or a dict holding it as a key or a value — as the callbacks of weakref.WeakSet, WeakKeyDictionary and WeakValueDictionary do; \"@external\": it drops the reference an \"incref\" gave the weakref, as weakref.finalize takes its own out of its registry (needs a callback)",
    ),
  as: nameSchema.optional().describe('bind the new weakref to this name'),
  into: intoSchema.optional().describe('store the new weakref into another object'),
  global: z.boolean().optional().describe('with as: bind in the module frame'),
  hold: z.boolean().optional().describe("the frame's evaluation stack holds the new weakref until the line's execution ends"),
});

const resizeEvent = z.strictObject({
  op: z.literal('resize').describe('an object\'s memory changed (`bytearray.extend`, a container\'s table grew)'),
  ...common,
  id: refSchema,
  size: sizeSchema.optional(),
  by: z
    .number()
    .int()
    .optional()
    .describe('change of size in bytes, may be negative (whole, at most 2^53−1 either way)'),
});

const lineEvent = z.strictObject({ op: z.literal('line').describe('a line ran that touched no object (it still counts an execution)'), ...common });
const snapshotEvent = z.strictObject({ op: z.literal('snapshot').describe('take a named snapshot of the live objects (tracemalloc\'s take_snapshot)'), ...common, label: z.string().min(1).describe('the name the report gives the snapshot') });

const generationCounts = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.number().int().nonnegative()]);
const thresholdSchema = z.number().int().min(0).max(MAX_THRESHOLD).describe('a collection threshold, 0 to 2^31−1');

const gcCollectEvent = z.strictObject({
  op: z.literal('gc.collect').describe('`gc.collect(generation)`'),
  ...common,
  generation: z.number().int().min(0).max(2).default(2).describe('the oldest generation collected, 0 to 2 (default 2, a full collection)'),
  observed: z
    .strictObject({
      result: z.number().int().nonnegative().describe('what gc.collect() returned in the recorded run'),
      count: generationCounts.optional().describe('gc.get_count() just before the call'),
    })
    .optional()
    .describe('a recorded trace: what the real run saw'),
  discarded: z
    .array(z.tuple([refSchema, refSchema]))
    .optional()
    .describe(
      "a recorded trace: weakrefs whose own callback, run by this collection, took them out of a dict or set (`del self._handles[name]` in a program's callback), as [weakref, container]: during this collection the weakref's callback does that in the model too",
    ),
});

const gcAutoEvent = z.strictObject({
  op: z.literal('gc.auto').describe('a recorded trace: an automatic collection started here in the real run'),
  ...common,
  count: generationCounts.describe('gc.get_count() as the collection started: the allocation count, including the allocations the trace cannot see'),
  observed: z
    .strictObject({
      generation: z.number().int().min(0).max(2).describe('the generation the real run collected'),
      collected: z.number().int().nonnegative().describe('objects it collected'),
      uncollectable: z.number().int().nonnegative().describe('objects it found uncollectable'),
    })
    .optional()
    .describe('what the recorded run collected in this pass'),
}).describe('a recorded trace: an automatic collection started here in the real run');
const gcEnableEvent = z.strictObject({ op: z.literal('gc.enable').describe('`gc.enable()`'), ...common });
const gcDisableEvent = z.strictObject({ op: z.literal('gc.disable').describe('`gc.disable()`: no automatic collections (gc.collect still runs)'), ...common });
const gcSetThresholdEvent = z.strictObject({
  op: z.literal('gc.set_threshold').describe('`gc.set_threshold(t0[, t1[, t2]])`'),
  ...common,
  threshold: z.array(thresholdSchema).min(1).max(3).describe('[t0, t1?, t2?]: the values left out stay as they are'),
});
const gcSetDebugEvent = z.strictObject({
  op: z.literal('gc.set_debug').describe('`gc.set_debug(gc.DEBUG_SAVEALL)` or `gc.set_debug(0)`'),
  ...common,
  flags: z.array(z.literal('saveall')).describe('["saveall"] for gc.DEBUG_SAVEALL, [] for none'),
});
const gcFreezeEvent = z.strictObject({ op: z.literal('gc.freeze').describe('`gc.freeze()`: every tracked object moves to the permanent generation'), ...common });
const gcUnfreezeEvent = z.strictObject({ op: z.literal('gc.unfreeze').describe('`gc.unfreeze()`: the permanent generation goes back to generation 2'), ...common });
const gcGarbageClearEvent = z.strictObject({ op: z.literal('gc.garbage.clear').describe('`gc.garbage.clear()`'), ...common });

export interface RepeatEvent {
  op: 'repeat';
  line?: number;
  file?: string;
  t?: number;
  count: number;
  var: string;
  oneExecution?: boolean;
  body: Event[];
}

const plainEvents = [
  allocEvent,
  refEvent,
  unrefEvent,
  bindEvent,
  unbindEvent,
  increfEvent,
  decrefEvent,
  materializeEvent,
  setClassEvent,
  callEvent,
  returnEvent,
  weakrefEvent,
  resizeEvent,
  lineEvent,
  snapshotEvent,
  gcCollectEvent,
  gcEnableEvent,
  gcDisableEvent,
  gcSetThresholdEvent,
  gcSetDebugEvent,
  gcFreezeEvent,
  gcUnfreezeEvent,
  gcGarbageClearEvent,
  insertEvent,
  setItemsEvent,
  clearEvent,
  gcAutoEvent,
  holdEvent,
  releaseEvent,
] as const;

export const repeatEventSchema: z.ZodType<RepeatEvent> = z.lazy(() =>
  z.strictObject({
    op: z.literal('repeat').describe('a loop: "body" runs "count" times'),
    ...common,
    count: z.number().int().min(0).max(MAX_COUNT).describe('iterations, 0 to 2^31−1'),
    var: nameSchema.default('i').describe('the loop variable: `{var}` in any string of the body becomes the 0-based iteration index (default "i")'),
    oneExecution: z
      .boolean()
      .optional()
      .describe(
        'true: the iterations are the work of one execution of one line, a loop in C inside one statement (`del lst[a:b]`, `d.clear()`, `lst.extend(…)`): the line counts one occurrence, as memory_profiler shows it. Default: each iteration is an execution of its lines, as each pass of a `for` body is',
      ),
    body: z.array(eventSchema).describe('the events of one iteration'),
  }),
) as unknown as z.ZodType<RepeatEvent>;

export const eventSchema = z
  .discriminatedUnion('op', [...plainEvents, repeatEventSchema as never])
  .meta({ id: 'event', description: 'one step of the traced program' });

export type PlainEvent = z.infer<(typeof plainEvents)[number]>;
export type Event = PlainEvent | RepeatEvent;
export type AllocEvent = z.infer<typeof allocEvent>;
export type Finalizer = z.infer<typeof finalizerSchema>;
export type Size = z.infer<typeof sizeSchema>;

export const pythonVersionSchema = z.enum(PYTHON_VERSIONS);
export type PythonVersion = z.infer<typeof pythonVersionSchema>;

export const typeDeclSchema = z.strictObject({
  size: sizeSchema.optional(),
  base: z
    .enum(['list', 'dict', 'tuple', 'set', 'frozenset', 'weakref'])
    .optional()
    .describe('a subclass of a built-in container (a namedtuple, OrderedDict, Counter, a class deriving from list) or of weakref.ref (weakref.KeyedRef, WeakMethod): its instances hold what the base holds'),
  slots: z
    .array(z.string())
    .optional()
    .describe("the type's fixed slots in traversal order (`__slots__` classes, and the built-in types a recorder describes: function, cell, generator, type…): no shared key table, no `__dict__`"),
  tracked: z.boolean().optional().describe('false: an atomic type that holds no references'),
  finalizer: finalizerSchema.optional(),
});

/** An object count: whole, 0 to 2^53−1. */
const countSchema = z.number().int().min(0).describe('a number of objects or cycles, 0 to 2^53−1');

export const limitsSchema = z.strictObject({
  leakedBytes: sizeSchema.nullable().optional().describe('most bytes of leaked objects (null: no limit)'),
  leakedObjects: countSchema.nullable().optional().describe('most leaked objects (default 0; null: no limit)'),
  cycles: countSchema.nullable().optional().describe('most leaked reference cycles (null: no limit)'),
  uncollectable: countSchema.nullable().optional().describe('most objects left in gc.garbage (null: no limit)'),
  peakBytes: sizeSchema.nullable().optional().describe('most bytes at the peak (null: no limit)'),
  finalBytes: sizeSchema.nullable().optional().describe('most bytes at the end (null: no limit)'),
}).describe('limits memprof check holds the figures to; with none, no object may leak (leakedObjects 0). Each key overrides the default, and a check flag overrides the key; null removes that limit');

export const gcConfigSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('automatic collection at the start (gc.isenabled()); default true'),
  automatic: z
    .enum(['model', 'recorded'])
    .default('model')
    .describe('model: automatic collections run when the modelled allocation count crosses threshold 0; recorded: they run where "gc.auto" events say the real run ran them (a recorded trace cannot see every allocation)'),
  threshold: z
    .array(thresholdSchema)
    .min(1)
    .max(3)
    .optional()
    .describe("gc.get_threshold() at the start; default the Python version's ((700, 10, 10); 3.13: (2000, 10, 10))"),
  debug: z.array(z.literal('saveall')).default([]).describe('gc.set_debug flags at the start: ["saveall"] or [] (default)'),
  startupObjects: z
    .number()
    .int()
    .min(0)
    .max(MAX_STARTUP_OBJECTS)
    .default(0)
    .describe('long-lived objects in generation 2 at the start, 0 to 1,000,000'),
});

const typeFigures = z.strictObject({
  type: z.string().describe('the type name'),
  objects: z.number().int().nonnegative().describe('its objects alive'),
  bytes: z.number().int().nonnegative().describe('their bytes'),
});

/** What `memprof record` observed of the real run, for the replay to compare itself with. */
export const recordedSchema = z
  .strictObject({
    interpreter: z.string().describe('"CPython 3.11.7"'),
    executable: z.string().describe('the interpreter the program ran under'),
    script: z.string().describe('the program recorded'),
    argv: z.array(z.string()).describe("the program's arguments"),
    exitCode: z.number().int().describe("the program's exit code"),
    events: z.number().int().nonnegative().describe('events in the trace'),
    profiled: z
      .array(
        z.strictObject({
          file: z.string().describe('its file'),
          function: z.string().describe('its name'),
          line: z.number().int().positive().describe('the line of its def'),
        }),
      )
      .describe('functions decorated with @profile: the ones tabulated (all traced code when empty)'),
    census: z
      .strictObject({
        objects: z.number().int().nonnegative().describe('traced objects alive'),
        bytes: z.number().int().nonnegative().describe('their sys.getsizeof bytes'),
        byType: z.array(typeFigures).describe('the same by type'),
      })
      .optional()
      .describe('the traced objects alive at the end of the real run'),
    count: z.tuple([z.number().int(), z.number().int(), z.number().int()]).optional().describe('gc.get_count() at the end'),
    stats: z
      .array(
        z.strictObject({
          collections: z.number().int().nonnegative().describe('collections of the generation'),
          collected: z.number().int().nonnegative().describe('objects they collected'),
          uncollectable: z.number().int().nonnegative().describe('objects they found uncollectable'),
        }),
      )
      .length(3)
      .optional()
      .describe('gc.get_stats() since the start'),
    notes: z.array(z.string()).default([]).describe('what the recording could not follow (threads, forks, …)'),
  })
  .describe('a trace recorded from a real program by memprof record: what the real run observed');

export const headerSchema = z.strictObject({
  $schema: z.string().optional().describe('the JSON Schema the file follows (for editors; memprof ignores it)'),
  version: z.literal(1, { message: 'unsupported version: memprof reads workload format version 1' }).describe('the format version: 1'),
  name: z.string().optional().describe('the workload\'s name in reports (default: its file name)'),
  description: z.string().optional().describe('what the workload shows, for people'),
  python: pythonVersionSchema.default('3.11').describe('the CPython model: "3.11" (default), "3.12" or "3.13"; --python overrides it'),
  baseline: sizeSchema.default(0).describe('bytes the process holds before the first event (the interpreter itself), added to every memory figure; default 0'),
  source: z
    .strictObject({
      file: z.string().min(1).describe('the traced program\'s file name, shown in tables (the default "file" of every event)'),
      lines: z
        .array(z.string())
        .default([])
        .describe('its text: lines[k] is line k+1. Given, every event\'s line must be one of them'),
    })
    .optional()
    .describe('the program the trace follows'),
  sources: z
    .array(
      z.strictObject({
        file: z.string().min(1).describe('a file events name with "file"'),
        lines: z.array(z.string()).describe('its text: lines[k] is line k+1'),
      }),
    )
    .optional()
    .describe('the source text of more files than `source` (a recorded program and the modules it imported)'),
  gc: gcConfigSchema.optional().describe("the collector's state at the start"),
  types: z
    .record(z.string(), typeDeclSchema)
    .default({})
    .describe('the workload\'s classes by name: any string, "valueOf" and "__proto__" included'),
  limits: limitsSchema.optional().describe('limits memprof check holds the figures to (flags override them key by key)'),
  recorded: recordedSchema.optional(),
});

export const workloadSchema = headerSchema.extend({
  events: z.array(eventSchema).describe('what the program did, in order (an NDJSON file has them one per line after the header)'),
});

export type WorkloadHeader = z.infer<typeof headerSchema>;
export type Workload = z.infer<typeof workloadSchema>;
export type Limits = z.infer<typeof limitsSchema>;
export type TypeDecl = z.infer<typeof typeDeclSchema>;

/**
 * Bytes of a size that passed the schema. For those the product is exact: a whole number of bytes
 * up to 2^53−1 is a multiple of 2^-shift units, which a double holds exactly. A string that is not
 * whole (only a caller that skipped the schema can hand one over) is rounded to the nearest byte.
 */
export function parseSize(size: Size): number {
  if (typeof size === 'number') return size;
  const m = SIZE_PATTERN.exec(size);
  if (!m) throw new Error(`not a size: ${size}`);
  return Math.round(Number(m[1]) * 2 ** UNIT_SHIFT[m[2] ?? 'B']!);
}
