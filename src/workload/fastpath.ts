// A shortcut past zod for the events traces are made of.
//
// zod's `safeParse` of an event cost more than `JSON.parse` of its line and copied every event, and a
// trace holds millions of them (docs/performance.md: replay within 2 × JSON.parse). `passesAsIs` recognises the
// common shapes — the ops below with every field present, well typed, no default left to fill and no
// unknown key — and such an event is used as it is. Anything else, every invalid event included, goes
// through zod, which stays the one description of the format and the one source of error messages.
// The check is conservative: for a JSON value (what JSON.parse or an object literal gives), whatever
// it accepts zod accepts and returns equal (test/workload-fastpath.test.ts checks that on generated
// events, valid and nearly valid).
import { MAX_LENGTH, MAX_LINE, MAX_T, NAME_PATTERN, type PlainEvent } from './schema.js';

type Fields = Record<string, unknown>;

function isPlainObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function isInteger(value: unknown, min: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= min;
}

function isLength(value: unknown): boolean {
  return isInteger(value, 0) && (value as number) <= MAX_LENGTH;
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

const isRef = isNonEmptyString;

function isNullableRef(value: unknown): boolean {
  return value === null || isRef(value);
}

/** A new object id: not a `$name`. */
function isId(value: unknown): boolean {
  return isRef(value) && (value as string).charCodeAt(0) !== 0x24;
}

function isName(value: unknown): boolean {
  return typeof value === 'string' && NAME_PATTERN.test(value);
}

/** `fields`: names to references. zod's record leaves a `__proto__` key out of its copy, so such a
 * key goes the slow way, after which keys.ts puts it back. */
function isFields(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (key === '__proto__' || !isNullableRef(value[key])) return false;
  return true;
}

function isItems(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let k = 0; k < value.length; k++) if (!isNullableRef(value[k])) return false;
  return true;
}

function isInto(value: unknown): boolean {
  if (!isPlainObject(value) || !isRef(value.obj)) return false;
  for (const key in value) {
    if (key === 'obj') continue;
    if (key !== 'field' || typeof value.field !== 'string') return false;
  }
  return true;
}

/** The keys any event may carry: `op` (matched before), `line`, `file`, `t`. */
function isCommonKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'op':
      return true;
    case 'line':
      return isInteger(value, 1) && (value as number) <= MAX_LINE;
    case 'file':
      return isNonEmptyString(value);
    case 't':
      return typeof value === 'number' && value >= 0 && value <= MAX_T;
    default:
      return false;
  }
}

function isAllocKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'id':
      return isId(value);
    case 'type':
      return isNonEmptyString(value);
    case 'size':
      return isInteger(value, 0);
    case 'fields':
      return isFields(value);
    case 'items':
      return isItems(value);
    case 'as':
      return isName(value);
    case 'into':
      return isInto(value);
    case 'global':
    case 'hold':
      return typeof value === 'boolean';
    case 'class':
      return isRef(value);
    case 'entries':
      return isEntries(value);
    case 'length':
      return isLength(value);
    default:
      return isCommonKey(key, value);
  }
}

/** `entries`: [key, value] pairs of a dict with object keys. */
function isEntries(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let k = 0; k < value.length; k++) {
    const entry: unknown = value[k];
    if (!Array.isArray(entry) || entry.length !== 2 || !isRef(entry[0]) || !isNullableRef(entry[1])) return false;
  }
  return true;
}

function isRefList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let k = 0; k < value.length; k++) if (!isRef(value[k])) return false;
  return true;
}

function isRefKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'from':
    case 'key':
      return isRef(value);
    case 'to':
      return isNullableRef(value);
    case 'field':
      return typeof value === 'string';
    case 'index':
      return isInteger(value, 0);
    default:
      return isCommonKey(key, value);
  }
}

function isUnrefKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'from':
    case 'to':
    case 'key':
      return isRef(value);
    case 'field':
      return typeof value === 'string';
    case 'index':
    case 'stop':
      return isInteger(value, 0);
    default:
      return isCommonKey(key, value);
  }
}

function isInsertKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'from':
      return isRef(value);
    case 'index':
      return isInteger(value, 0);
    case 'to':
      return isNullableRef(value);
    default:
      return isCommonKey(key, value);
  }
}

function isSetItemsKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'from':
      return isRef(value);
    case 'items':
      return isItems(value);
    case 'length':
      return isLength(value);
    default:
      return isCommonKey(key, value);
  }
}

function isFromKey(key: string, value: unknown): boolean {
  return key === 'from' ? isRef(value) : isCommonKey(key, value);
}

function isResizeKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'id':
      return isRef(value);
    case 'size':
      return isInteger(value, 0);
    default:
      return isCommonKey(key, value);
  }
}

function isWeakrefKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'id':
      return isId(value);
    case 'to':
      return isRef(value);
    case 'callback':
      return typeof value === 'string';
    case 'type':
      return isNonEmptyString(value);
    case 'size':
      return isInteger(value, 0);
    case 'discard':
    case 'callable':
      return isRef(value);
    case 'as':
      return isName(value);
    case 'global':
    case 'hold':
      return typeof value === 'boolean';
    default:
      return isCommonKey(key, value);
  }
}

function isBindKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'name':
      return isName(value);
    case 'to':
      return isNullableRef(value);
    case 'global':
      return typeof value === 'boolean';
    default:
      return isCommonKey(key, value);
  }
}

function isUnbindKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'name':
      return isName(value);
    case 'global':
      return typeof value === 'boolean';
    default:
      return isCommonKey(key, value);
  }
}

function isRefcountKey(key: string, value: unknown): boolean {
  return key === 'id' ? isRef(value) : isCommonKey(key, value);
}

function isCallKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'function':
      return isNonEmptyString(value);
    case 'args':
      return isRefList(value);
    default:
      return isCommonKey(key, value);
  }
}

function isReturnKey(key: string, value: unknown): boolean {
  switch (key) {
    case 'value':
      return isNullableRef(value);
    case 'as':
      return isName(value);
    case 'keep':
      return typeof value === 'boolean';
    default:
      return isCommonKey(key, value);
  }
}

function isSnapshotKey(key: string, value: unknown): boolean {
  return key === 'label' ? isNonEmptyString(value) : isCommonKey(key, value);
}

function isCollectKey(key: string, value: unknown): boolean {
  return key === 'generation' ? isInteger(value, 0) && (value as number) <= 2 : isCommonKey(key, value);
}

/** Every key of `event` (own and inherited, as zod's unknown-key check sees them) passes `isKey`. */
function everyKey(event: Fields, isKey: (key: string, value: unknown) => boolean): boolean {
  for (const key in event) if (!isKey(key, event[key])) return false;
  return true;
}

/**
 * True when `value` is an event zod would accept and return unchanged (see the top of the file);
 * false means only "ask zod". Keys the schema requires, or would fill with a default, must be
 * present: an event that relies on a default (`alloc` without `type`) is left to zod to complete.
 */
export function passesAsIs(value: unknown): value is PlainEvent {
  if (!isPlainObject(value)) return false;
  switch (value.op) {
    case 'alloc':
      return 'id' in value && 'type' in value && everyKey(value, isAllocKey);
    case 'ref':
      return 'from' in value && 'to' in value && everyKey(value, isRefKey);
    case 'unref':
      return 'from' in value && everyKey(value, isUnrefKey);
    case 'bind':
      return 'name' in value && 'to' in value && everyKey(value, isBindKey);
    case 'unbind':
      return 'name' in value && everyKey(value, isUnbindKey);
    case 'incref':
    case 'decref':
      return 'id' in value && everyKey(value, isRefcountKey);
    case 'call':
      return 'function' in value && everyKey(value, isCallKey);
    case 'return':
      return everyKey(value, isReturnKey);
    case 'line':
      return everyKey(value, isCommonKey);
    case 'snapshot':
      return 'label' in value && everyKey(value, isSnapshotKey);
    case 'gc.collect':
      return 'generation' in value && everyKey(value, isCollectKey);
    case 'insert':
      return 'from' in value && 'index' in value && 'to' in value && everyKey(value, isInsertKey);
    case 'setitems':
      return 'from' in value && 'items' in value && everyKey(value, isSetItemsKey);
    case 'clear':
      return 'from' in value && everyKey(value, isFromKey);
    case 'hold':
      return 'id' in value && everyKey(value, isRefcountKey);
    case 'resize':
      return 'id' in value && 'size' in value && everyKey(value, isResizeKey);
    case 'weakref':
      return 'id' in value && 'to' in value && everyKey(value, isWeakrefKey);
    default:
      return false;
  }
}
