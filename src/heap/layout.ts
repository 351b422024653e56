// One table of the object kinds the heap models, mirroring CPython's type slots: for each kind its
// size rule, whether it is a GC type, tp_traverse (the references the collector visits), tp_clear
// (what the collector breaks) and tp_dealloc (the order a dying object drops its references).
// The collector, the deallocator, the leak analysis and the export all read kinds from here;
// adding a kind is an entry in KINDS and a case in the three walks below.
//
// Storage: an object holds references as
//   - attributes: `fieldValues` indexed by its class's shared key table (instances), or a
//     materialised `__dict__` object (`obj.dict`);
//   - entries: `fieldNames`/`fieldValues` in insertion order, deleted keys removed (dicts);
//   - items: `items` in index order (lists, tuples; sets and frozensets in insertion order,
//     memprof's stand-in for their hash-table order, where a large set's discarded items leave
//     holes: src/heap/sets.ts).
import type { VersionModel } from '../cpython/versions.js';
import { Kind } from './kind.js';
import type { PyObject } from './object.js';
import { setTakeAll } from './sets.js';

export type Storage = 'attributes' | 'entries' | 'items' | 'none';

/** Which freelist a freed object of the kind may go to (and an allocation may come from). */
export const enum Freelist {
  None,
  List,
  Dict,
  Tuple,
}

export interface KindLayout {
  /** The built-in type's name as Python prints it (instances print their class's name). */
  readonly typeName: string;
  /** Py_TPFLAGS_HAVE_GC: allocations move count0, the collector may track it. */
  readonly gc: boolean;
  /** Tracked from creation (`PyObject_GC_Track` in the constructor). Dicts start untracked and
   * track themselves when they store something that may be tracked (MAINTAIN_TRACKING). */
  readonly trackedAtCreation: boolean;
  /** The deallocator uses Py_TRASHCAN_BEGIN (subtype_dealloc, list, tuple, dict, set). */
  readonly trashcan: boolean;
  /** tp_weaklistoffset ≠ 0: `weakref.ref` accepts it. */
  readonly weakrefs: boolean;
  readonly storage: Storage;
  /** Items can be added or removed after creation (`append`, `add`, `remove`, `discard`). */
  readonly mutableItems: boolean;
  /** Items are unique (a set adds an item it holds already as a no-op). */
  readonly uniqueItems: boolean;
  readonly freelist: Freelist;
  /** subtype_dealloc: calls tp_finalize (`__del__`) and `tp_del` before anything else. */
  readonly subtypeDealloc: boolean;
  /** `sys.getsizeof` of a new, empty object of the kind. */
  emptySize(v: VersionModel): number;
}

const builtin = (typeName: string, storage: Storage, more: Partial<KindLayout> & Pick<KindLayout, 'emptySize'>): KindLayout => ({
  typeName,
  gc: true,
  trackedAtCreation: true,
  trashcan: false,
  weakrefs: false,
  storage,
  mutableItems: false,
  uniqueItems: false,
  freelist: Freelist.None,
  subtypeDealloc: false,
  ...more,
});

export const KINDS: Readonly<Record<Kind, KindLayout>> = {
  [Kind.Instance]: builtin('object', 'attributes', { trashcan: true, weakrefs: true, subtypeDealloc: true, emptySize: (v) => v.sizes.instance }),
  [Kind.List]: builtin('list', 'items', { trashcan: true, mutableItems: true, freelist: Freelist.List, emptySize: (v) => v.sizes.list }),
  [Kind.Dict]: builtin('dict', 'entries', { trackedAtCreation: false, trashcan: true, freelist: Freelist.Dict, emptySize: (v) => v.sizes.dict }),
  [Kind.Tuple]: builtin('tuple', 'items', { trashcan: true, freelist: Freelist.Tuple, emptySize: (v) => v.sizes.tuple }),
  [Kind.Set]: builtin('set', 'items', { trashcan: true, weakrefs: true, mutableItems: true, uniqueItems: true, emptySize: (v) => v.sizes.set }),
  [Kind.FrozenSet]: builtin('frozenset', 'items', { trashcan: true, weakrefs: true, uniqueItems: true, emptySize: (v) => v.sizes.set }),
  // A function's attributes live in a separate `__dict__` object, created by the first store.
  [Kind.Function]: builtin('function', 'attributes', { weakrefs: true, emptySize: (v) => v.sizes.function }),
  [Kind.Weakref]: builtin('weakref', 'none', { emptySize: (v) => v.sizes.weakref }),
  [Kind.Atomic]: builtin('object', 'none', { gc: false, trackedAtCreation: false, emptySize: (v) => v.sizes.instance }),
};

export function layoutOf(kind: Kind): KindLayout {
  return KINDS[kind];
}

// ---------------------------------------------------------------------------------------------
// Size rules

/** Bytes per item slot of a list's or tuple's item array (a PyObject pointer). */
export const POINTER_SIZE = 8;
/** Bytes per entry of a set's hash table (setentry: key and hash). */
const SET_ENTRY_SIZE = 16;
/** PySet_MINSIZE: the smalltable inside the set object. */
export const SET_MINSIZE = 8;

/** `sys.getsizeof` of an ASCII str of `n` characters. */
export function strSize(v: VersionModel, n: number): number {
  return v.sizes.str + n * v.perItem.strAsciiChar;
}

/** `sys.getsizeof` of a bytes object of `n` bytes. */
export function bytesSize(v: VersionModel, n: number): number {
  return v.sizes.bytes + n * v.perItem.bytesByte;
}

/** `sys.getsizeof` of an int (`value` must be a safe integer): one 30-bit digit per 30 bits of |value|,
 * at least one. */
export function intSize(v: VersionModel, value: number): number {
  let digits = 1;
  for (let rest = Math.floor(Math.abs(value) / 2 ** v.perItem.intDigitBits); rest > 0; rest = Math.floor(rest / 2 ** v.perItem.intDigitBits)) digits++;
  return v.sizes.int + (digits - 1) * v.perItem.intDigitBytes;
}

/** `sys.getsizeof(bytearray(n))`. */
export function bytearraySize(v: VersionModel, n: number): number {
  return n === 0 ? v.sizes.bytearray : v.sizes.bytearray + n + v.perItem.bytearrayExtra;
}

/** Whether CPython preallocates the int (a small int: using it allocates nothing). */
export function isSmallInt(v: VersionModel, value: number): boolean {
  return value >= v.smallInts[0] && value <= v.smallInts[1];
}

/**
 * The bytes of an object that CPython allocates as a block of their own, apart from the object:
 * a list's item array (`ob_item`), a dict's keys table, a set's table once it outgrows the smalltable,
 * a bytearray's payload (`ob_bytes`, n + 1 bytes). 0 for an object that is one block. An explicit
 * `size` smaller than the object itself leaves no buffer.
 */
export function bufferBytes(obj: PyObject, v: VersionModel): number {
  let header: number;
  switch (obj.kind) {
    case Kind.List:
      header = v.sizes.list;
      break;
    case Kind.Dict:
      header = v.sizes.dict;
      break;
    case Kind.Set:
    case Kind.FrozenSet:
      header = v.sizes.set;
      break;
    case Kind.Atomic:
      if (obj.cls.name !== 'bytearray') return 0;
      header = v.sizes.bytearray;
      break;
    default:
      return 0;
  }
  return Math.max(0, obj.size - header);
}

/** list_resize: the capacity CPython allocates when a list of `allocated` slots becomes `newSize` long. */
export function listResize(allocated: number, size: number, newSize: number): number {
  if (allocated >= newSize && newSize >= allocated >> 1) return allocated;
  let newAllocated = (newSize + (newSize >> 3) + 6) & ~3;
  if (newSize - size > newAllocated - newSize) newAllocated = (newSize + 3) & ~3;
  return newSize === 0 ? 0 : newAllocated;
}

/** The bytes a dict's key table of 2**log2 slots adds to the empty dict (0 = no table): the header,
 * the index array (1-8 bytes per slot) and USABLE_FRACTION entries, 16 bytes each in a str-keys
 * table (PyDictUnicodeEntry) and 24 in a general one (PyDictKeyEntry keeps the hash). */
export function dictKeysSize(log2: number, unicode = true): number {
  if (log2 === 0) return 0;
  const slots = 1 << log2;
  const indexBytes = slots <= 0xff ? 1 : slots <= 0xffff ? 2 : slots <= 0xffffffff ? 4 : 8;
  return 32 + slots * indexBytes + dictUsable(log2) * (unicode ? 16 : 24);
}

/** USABLE_FRACTION: entries a key table of 2**log2 slots holds before it must grow. */
export function dictUsable(log2: number): number {
  return log2 === 0 ? 0 : Math.floor(((1 << log2) * 2) / 3);
}

/** calculate_log2_keysize: the smallest table (at least 8 slots) with room for `minSize`. */
export function dictLog2For(minSize: number): number {
  let log2 = 3;
  while (1 << log2 < minSize) log2++;
  return log2;
}

/** The bytes a set's table of `slots` entries adds to the set object (none for the smalltable). */
export function setTableSize(slots: number): number {
  return slots === SET_MINSIZE ? 0 : slots * SET_ENTRY_SIZE;
}

/** set_table_resize: the table size for at least `minused` entries. */
export function setSlotsFor(minused: number): number {
  let slots = SET_MINSIZE;
  while (slots <= minused) slots *= 2;
  return slots;
}

/** set_add_entry: after filling one more slot, does the table of `slots` entries grow? */
export function setNeedsResize(fill: number, slots: number): boolean {
  return fill * 5 >= (slots - 1) * 3;
}

/** The table size set_add_entry resizes to when `used` entries are in use. */
export function setGrownSlots(used: number): number {
  return setSlotsFor(used > 50000 ? used * 2 : used * 4);
}

// ---------------------------------------------------------------------------------------------
// The walks: tp_traverse, tp_clear, tp_dealloc

/**
 * tp_traverse: writes the objects `obj` references into `out`, in CPython's order, and returns how
 * many. An instance visits its materialised `__dict__` or its values in key-table order; a function
 * its `__dict__`; a dict its values in entry order; lists and tuples their items last first
 * (list_traverse, tupletraverse); sets their items in table order. None is no reference, and a
 * weakref's referent is none either: it visits its callback object.
 */
export function traverse(obj: PyObject, out: PyObject[]): number {
  switch (obj.kind) {
    case Kind.Instance: {
      let n: number;
      if (obj.dict !== null) {
        out[0] = obj.dict;
        n = 1;
      } else {
        n = valuesInto(obj.fieldValues, out);
      }
      const type = obj.typeObject;
      if (type !== null) out[n++] = type;
      return n;
    }
    case Kind.Function: {
      // func_traverse: its own references in field order, the `__dict__` in its place.
      const values = obj.fieldValues;
      let n = 0;
      for (let i = 0; i < FUNCTION_FIELDS.length; i++) {
        const v = i === FUNCTION_DICT && obj.dict !== null ? obj.dict : values[i];
        if (v !== undefined && v !== null) out[n++] = v;
      }
      return n;
    }
    case Kind.Dict:
    case Kind.List:
    case Kind.Tuple:
    case Kind.Set:
    case Kind.FrozenSet: {
      // subtype_traverse: a container subclass instance's `__dict__`, then what the base visits.
      const dict = obj.dict;
      if (dict === null) return containerInto(obj, out, 0);
      out[0] = dict;
      return containerInto(obj, out, 1);
    }
    case Kind.Weakref: {
      // weakref_traverse: the callback (the referent is no reference).
      const callable = obj.callable;
      if (callable === null) return 0;
      out[0] = callable;
      return 1;
    }
    default:
      return 0;
  }
}

/** What a list, tuple, dict, set or frozenset itself refers to, written into `out` from `n` on. */
function containerInto(obj: PyObject, out: PyObject[], n: number): number {
  switch (obj.kind) {
    case Kind.Dict:
      return obj.unicodeKeys ? valuesInto(obj.fieldValues, out, n) : entriesInto(obj, out, n);
    case Kind.List:
    case Kind.Tuple: {
      const items = obj.items!;
      for (let i = items.length - 1; i >= 0; i--) {
        const item = items[i]!;
        if (item !== null) out[n++] = item;
      }
      return n;
    }
    default:
      return valuesInto(obj.items!, out, n);
  }
}

/**
 * A function's own references (Objects/funcobject.c, PyFunctionObject), in func_traverse's order;
 * none of them is a `__dict__` entry. The `__dict__` field is the dict a trace saw (a recorded
 * program's `f.__dict__`); attributes a workload sets on a function go to its implicit `__dict__`,
 * which takes the same place.
 */
export const FUNCTION_FIELDS: readonly string[] = [
  '__globals__',
  '__builtins__',
  '__module__',
  '__defaults__',
  '__kwdefaults__',
  '__doc__',
  '__name__',
  '__dict__',
  '__closure__',
  '__annotations__',
  '__type_params__',
  '__qualname__',
];
const FUNCTION_DICT = FUNCTION_FIELDS.indexOf('__dict__');
/** func_clear: each reference in field order, the name and qualified name (set to '') last. */
const FUNCTION_CLEAR_ORDER: readonly number[] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 6, 11];

/** Takes a function's field `i` away (its implicit `__dict__` at the `__dict__` field). */
function takeFunctionField(fn: PyObject, i: number): PyObject | null | undefined {
  if (i === FUNCTION_DICT && fn.dict !== null) {
    const dict = fn.dict;
    fn.dict = null;
    return dict;
  }
  const v = fn.fieldValues[i];
  if (v !== undefined) fn.fieldValues[i] = undefined;
  return v;
}

/**
 * The references in reading order, for paths shown to people: like `traverse` but a list's or
 * tuple's items first to last, so that of equally short paths the one through `[0]` is found.
 */
export function referencesInReadingOrder(obj: PyObject, out: PyObject[]): number {
  if (obj.kind === Kind.List || obj.kind === Kind.Tuple) {
    const dict = obj.dict;
    if (dict === null) return valuesInto(obj.items!, out);
    out[0] = dict;
    return valuesInto(obj.items!, out, 1);
  }
  return traverse(obj, out);
}

/** dict_traverse of a table that is not DK_IS_UNICODE: each entry's value, then its key. */
function entriesInto(dict: PyObject, out: PyObject[], n = 0): number {
  const values = dict.fieldValues;
  const keys = dict.fieldKeys;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined) continue;
    if (v !== null) out[n++] = v;
    const k = keys?.[i];
    if (k !== undefined) out[n++] = k;
  }
  return n;
}

function valuesInto(values: readonly (PyObject | null | undefined)[], out: PyObject[], n = 0): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== undefined && v !== null) out[n++] = v;
  }
  return n;
}

/**
 * tp_clear: takes away the references the collector breaks, writing them into `out` in the order
 * they are dropped, and returns how many (None included, as null). An instance drops its
 * `__dict__`, or each value in key-table order (_PyObject_ClearInstanceAttributes); a function its
 * `__dict__`; a dict and a set are emptied first, then their old entries dropped in order
 * (PyDict_Clear, set_clear_internal); a list is emptied, then its items dropped last first
 * (_list_clear); a weakref drops its callback object. Tuples have no tp_clear. The table size the emptied
 * container keeps is the caller's to set.
 */
export function detachForClear(obj: PyObject, out: (PyObject | null)[]): number {
  switch (obj.kind) {
    case Kind.Function: {
      let n = 0;
      for (let k = 0; k < FUNCTION_CLEAR_ORDER.length; k++) {
        const v = takeFunctionField(obj, FUNCTION_CLEAR_ORDER[k]!);
        if (v !== undefined) out[n++] = v;
      }
      return n;
    }
    case Kind.Instance: {
      if (obj.dict !== null) {
        out[0] = obj.dict;
        obj.dict = null;
        return 1;
      }
      const values = obj.fieldValues;
      let n = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === undefined) continue;
        values[i] = undefined;
        out[n++] = v;
      }
      return n;
    }
    case Kind.Weakref:
      return takeCallable(obj, out);
    default: {
      // subtype_clear: a container subclass instance drops its `__dict__`, then the base's
      // tp_clear runs.
      const dict = obj.dict;
      if (dict === null) return detachContainer(obj, out, 0);
      obj.dict = null;
      out[0] = dict;
      return detachContainer(obj, out, 1);
    }
  }
}

/** clear_weakref: a weakref lets go of its callback object, which the caller now owns (null for none). */
export function detachCallable(wr: PyObject): PyObject | null {
  const callable = wr.callable;
  wr.callable = null;
  return callable;
}

/** detachCallable into `out`: 0 or 1 references. */
function takeCallable(wr: PyObject, out: (PyObject | null)[]): number {
  const callable = detachCallable(wr);
  if (callable === null) return 0;
  out[0] = callable;
  return 1;
}

/** The base's tp_clear of a list, dict, set or frozenset (a tuple has none), into `out` from `n` on. */
function detachContainer(obj: PyObject, out: (PyObject | null)[], n: number): number {
  switch (obj.kind) {
    case Kind.Dict: {
      // free_keys_object: each entry's key, then its value. The caller empties the dict.
      const values = obj.fieldValues;
      const keys = obj.fieldKeys;
      for (let i = 0; i < values.length; i++) {
        if (values[i] === undefined) continue;
        const k = keys?.[i];
        if (k !== undefined) out[n++] = k;
        out[n++] = values[i]!;
      }
      return n;
    }
    case Kind.List: {
      const items = obj.items!;
      obj.items = [];
      for (let i = items.length - 1; i >= 0; i--) out[n++] = items[i]!;
      return n;
    }
    case Kind.Set:
    case Kind.FrozenSet: {
      const items = setTakeAll(obj);
      for (let i = 0; i < items.length; i++) out[n++] = items[i]!;
      return n;
    }
    default:
      return n;
  }
}

/** Whether the kind's tp_clear takes anything away (tuples, weakrefs and atomics have none of note). */
export function hasClear(kind: Kind): boolean {
  return kind !== Kind.Tuple && kind !== Kind.Atomic;
}

/**
 * tp_dealloc, one reference at a time: takes the next reference a dying object drops and returns it
 * (null for None), or undefined when none is left. `cursor` is the deallocator's progress through
 * the object's values (kept by the caller between calls); the returned cursor is written back
 * through `at`. Order: an instance's or function's `__dict__`, else an instance's values in
 * key-table order (_PyObject_FreeInstanceAttributes), and last an instance's type object
 * (subtype_dealloc); a dict's entries in order, each key before its value (free_keys_object);
 * list and tuple items last first (list_dealloc, tupledealloc); set items in table order
 * (set_dealloc); a weakref's callback object (weakref_dealloc).
 */
export function takeDeallocReference(obj: PyObject, cursor: Int32Array | number[], at: number): PyObject | null | undefined {
  switch (obj.kind) {
    case Kind.Instance: {
      if (obj.dict !== null) {
        const dict = obj.dict;
        obj.dict = null;
        return dict;
      }
      const value = takeNextValue(obj.fieldValues, cursor, at);
      if (value !== undefined) return value;
      const type = obj.typeObject;
      obj.typeObject = null;
      return type ?? undefined;
    }
    case Kind.Function: {
      // func_dealloc clears in func_clear's order.
      let k = cursor[at]!;
      while (k < FUNCTION_CLEAR_ORDER.length) {
        const v = takeFunctionField(obj, FUNCTION_CLEAR_ORDER[k++]!);
        if (v !== undefined) {
          cursor[at] = k;
          return v;
        }
      }
      cursor[at] = k;
      return undefined;
    }
    case Kind.Dict:
    case Kind.List:
    case Kind.Tuple:
    case Kind.Set:
    case Kind.FrozenSet: {
      // subtype_dealloc: a container subclass instance's `__dict__` goes before the base's dealloc.
      const dict = obj.dict;
      if (dict !== null) {
        obj.dict = null;
        return dict;
      }
      return takeContainerReference(obj, cursor, at);
    }
    case Kind.Weakref:
      // weakref_dealloc → clear_weakref: the callback object.
      return detachCallable(obj) ?? undefined;
    default:
      return undefined;
  }
}

function takeContainerReference(obj: PyObject, cursor: Int32Array | number[], at: number): PyObject | null | undefined {
  switch (obj.kind) {
    case Kind.Dict:
      return obj.fieldKeys === null ? takeNextValue(obj.fieldValues, cursor, at) : takeNextEntryPart(obj, cursor, at);
    case Kind.List:
    case Kind.Tuple: {
      const items = obj.items!;
      return items.length === 0 ? undefined : items.pop();
    }
    default:
      return takeNextValue(obj.items!, cursor, at);
  }
}

/** A dict with key objects: each entry's key, then its value. The cursor counts halves of entries
 * (2i: entry i's key is next, 2i + 1: its value). */
function takeNextEntryPart(dict: PyObject, cursor: Int32Array | number[], at: number): PyObject | null | undefined {
  const values = dict.fieldValues;
  const keys = dict.fieldKeys!;
  let c = cursor[at]!;
  while (c >> 1 < values.length) {
    const i = c >> 1;
    const keyNext = (c & 1) === 0;
    c++;
    if (values[i] === undefined) continue; // a dummy entry
    if (keyNext) {
      const key = keys[i];
      if (key === undefined) continue;
      keys[i] = undefined;
      cursor[at] = c;
      return key;
    }
    const value = values[i];
    values[i] = undefined;
    cursor[at] = c;
    return value;
  }
  cursor[at] = c;
  return undefined;
}

/** The next value not taken yet (each taken slot is emptied), from `cursor[at]` on. */
function takeNextValue(values: (PyObject | null | undefined)[], cursor: Int32Array | number[], at: number): PyObject | null | undefined {
  let i = cursor[at]!;
  while (i < values.length) {
    const v = values[i];
    values[i++] = undefined;
    if (v !== undefined) {
      cursor[at] = i;
      return v;
    }
  }
  cursor[at] = i;
  return undefined;
}

/** `_PyObject_GC_MAY_BE_TRACKED`: could this value make a dict or tuple holding it need tracking? */
export function mayBeTracked(value: PyObject | null | undefined): boolean {
  if (value === null || value === undefined || value.kind === Kind.Atomic) return false;
  if (value.kind === Kind.Tuple) return value.tracked;
  return true;
}

/** The references that decide whether an untracked-capable container holds anything trackable: a
 * tuple's items; a dict's values, and its key objects (_PyDict_MaybeUntrack checks both in a table
 * that is not all str keys: `{node: 1}` stays tracked). Null when there are none. */
export function untrackCandidates(obj: PyObject, keys: boolean): readonly (PyObject | null | undefined)[] | null {
  if (obj.kind === Kind.Tuple) return keys ? null : obj.items!;
  return keys ? obj.fieldKeys : obj.fieldValues;
}

// ---------------------------------------------------------------------------------------------
// How a reference is spelled

/**
 * How `holder` refers to `target`, as Python code would spell the access: `.next`, `['k']`, `[3]`,
 * `{…}` for a set's member. A materialised `__dict__` is not shown: the instance → dict hop is `''`
 * and the dict's key is an attribute (`.name`); a container subclass instance's is `.__dict__`.
 */
export function referenceLabel(holder: PyObject, target: PyObject): string {
  switch (holder.kind) {
    case Kind.Instance:
    case Kind.Function: {
      if (holder.dict === target) return '';
      const values = holder.fieldValues;
      for (let i = 0; i < values.length; i++) if (values[i] === target) return `.${holder.cls.keys[i]!}`;
      return '.?';
    }
    case Kind.Dict: {
      if (holder.dict === target) return '.__dict__';
      const i = holder.fieldValues.indexOf(target);
      const key = holder.fieldNames![i] ?? '?';
      return holder.implicit && holder.owner !== null ? `.${key}` : `[${pythonString(key)}]`;
    }
    case Kind.List:
    case Kind.Tuple:
      return holder.dict === target ? '.__dict__' : `[${holder.items!.indexOf(target)}]`;
    case Kind.Set:
    case Kind.FrozenSet:
      return holder.dict === target ? '.__dict__' : '{…}';
    case Kind.Weakref:
      return '.__callback__';
    default:
      return '?';
  }
}

/** `repr()` of a str key, as Python prints it (single quotes unless the key holds one). */
export function pythonString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return `${quote}${quote === "'" ? body.replace(/'/g, "\\'") : body}${quote}`;
}
