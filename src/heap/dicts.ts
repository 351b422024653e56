// A dict's entries as CPython keeps them: in insertion order, a deleted key leaving a dummy entry
// behind (it still counts in dk_nentries) until the next resize compacts the table. Keys are found
// by a scan while the dict is small and through a key → entry map once it is not, so that setting
// and deleting keys costs the same in a dict of ten keys and in one of a million.
//
// A key is a name (a str key written in the workload: `"field"`) or an object (`"key": "n12"` in a
// recorded trace: an int, a tuple, an instance, or a str object whose memory the trace counts).
// `fieldNames[i]`/`fieldValues[i]` are entry i, and `fieldKeys[i]` its key object when it has one; a
// dummy entry has undefined in all of them. A dict stops being a str-keys table (DK_IS_UNICODE) once
// a key that is not a str is stored: its entries grow to 24 bytes and the collector visits its keys.
import type { PyObject } from './object.js';

/** Dicts with more entries than this find keys through a map. */
const SCAN_LIMIT = 8;

/** A dict key: a name (a str key written in the workload) or a key object. */
export type DictKey = string | PyObject;

/** The entry index of `key`, or -1. A name never matches an entry whose key is an object. */
export function findEntry(dict: PyObject, key: DictKey): number {
  const index = dict.keyIndex;
  if (index !== null) return index.get(key) ?? -1;
  const keys = dict.fieldKeys;
  if (typeof key !== 'string') {
    if (keys === null) return -1;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }
  const names = dict.fieldNames!;
  for (let i = 0; i < names.length; i++) if (names[i] === key && (keys === null || keys[i] === undefined)) return i;
  return -1;
}

/** Appends a new entry (the caller has made room: dk_usable > 0). An object key's entry is named
 * by the object's id, for people reading paths. */
export function appendEntry(dict: PyObject, key: DictKey, value: PyObject | null): void {
  const names = dict.fieldNames!;
  const at = names.length;
  const keyObject = typeof key === 'string' ? null : key;
  names.push(keyObject === null ? (key as string) : keyObject.id);
  dict.fieldValues.push(value);
  if (keyObject !== null || dict.fieldKeys !== null) {
    const keys = (dict.fieldKeys ??= new Array<PyObject | undefined>(at));
    keys[at] = keyObject ?? undefined;
  }
  dict.liveEntries++;
  if (dict.keyIndex !== null) dict.keyIndex.set(key, at);
  else if (at >= SCAN_LIMIT) buildIndex(dict);
}

/** Makes entry i a dummy and returns its key object (or null) and value. */
export function deleteEntry(dict: PyObject, i: number): { key: PyObject | null; value: PyObject | null } {
  const value = dict.fieldValues[i]!;
  const key = dict.fieldKeys?.[i] ?? null;
  dict.keyIndex?.delete(key ?? dict.fieldNames![i]!);
  dict.fieldNames![i] = undefined as never;
  dict.fieldValues[i] = undefined;
  if (dict.fieldKeys !== null) dict.fieldKeys[i] = undefined;
  dict.liveEntries--;
  return { key, value };
}

/** insertion_resize copies the live entries into a new table: dummies are gone. */
export function compactEntries(dict: PyObject): void {
  const names = dict.fieldNames!;
  if (names.length === dict.liveEntries) return;
  const values = dict.fieldValues;
  const keys = dict.fieldKeys;
  let n = 0;
  for (let i = 0; i < names.length; i++) {
    if (values[i] === undefined) continue;
    names[n] = names[i]!;
    values[n] = values[i];
    if (keys !== null) keys[n] = keys[i];
    n++;
  }
  names.length = n;
  values.length = n;
  if (keys !== null) keys.length = n;
  if (dict.keyIndex !== null) buildIndex(dict);
}

/** PyDict_Clear: no entries, no table. */
export function clearEntries(dict: PyObject): void {
  dict.fieldNames = [];
  dict.fieldValues = [];
  dict.fieldKeys = null;
  dict.keyIndex = null;
  dict.liveEntries = 0;
  dict.unicodeKeys = true;
}

function buildIndex(dict: PyObject): void {
  const index = new Map<DictKey, number>();
  const names = dict.fieldNames!;
  const keys = dict.fieldKeys;
  for (let i = 0; i < names.length; i++) if (dict.fieldValues[i] !== undefined) index.set(keys?.[i] ?? names[i]!, i);
  dict.keyIndex = index;
}
