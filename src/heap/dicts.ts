// A dict's entries as CPython keeps them: in insertion order, a deleted key leaving a dummy entry
// behind (it still counts in dk_nentries) until the next resize compacts the table. Keys are found
// by a scan while the dict is small and through a key → entry map once it is not, so that setting
// and deleting keys costs the same in a dict of ten keys and in one of a million.
//
// `fieldNames[i]`/`fieldValues[i]` are entry i; a dummy entry has both undefined.
import type { PyObject } from './object.js';

/** Dicts with more entries than this find keys through a map. */
const SCAN_LIMIT = 8;

/** The entry index of `key`, or -1. */
export function findEntry(dict: PyObject, key: string): number {
  const index = dict.keyIndex;
  if (index !== null) return index.get(key) ?? -1;
  const names = dict.fieldNames!;
  for (let i = 0; i < names.length; i++) if (names[i] === key) return i;
  return -1;
}

/** Appends a new entry (the caller has made room: dk_usable > 0). */
export function appendEntry(dict: PyObject, key: string, value: PyObject | null): void {
  const names = dict.fieldNames!;
  const at = names.length;
  names.push(key);
  dict.fieldValues.push(value);
  if (dict.keyIndex !== null) dict.keyIndex.set(key, at);
  else if (at >= SCAN_LIMIT) buildIndex(dict);
}

/** Makes entry i a dummy and returns its value. */
export function deleteEntry(dict: PyObject, i: number): PyObject | null {
  const value = dict.fieldValues[i]!;
  dict.keyIndex?.delete(dict.fieldNames![i]!);
  dict.fieldNames![i] = undefined as never;
  dict.fieldValues[i] = undefined;
  dict.liveEntries--;
  return value;
}

/** The number of keys in use. */
export function keyCount(dict: PyObject): number {
  return dict.liveEntries;
}

/** insertion_resize copies the live entries into a new table: dummies are gone. */
export function compactEntries(dict: PyObject): void {
  const names = dict.fieldNames!;
  if (names.length === dict.liveEntries) return;
  const values = dict.fieldValues;
  let n = 0;
  for (let i = 0; i < names.length; i++) {
    if (values[i] === undefined) continue;
    names[n] = names[i]!;
    values[n] = values[i];
    n++;
  }
  names.length = n;
  values.length = n;
  if (dict.keyIndex !== null) buildIndex(dict);
}

/** PyDict_Clear: no entries, no table. */
export function clearEntries(dict: PyObject): void {
  dict.fieldNames = [];
  dict.fieldValues = [];
  dict.keyIndex = null;
  dict.liveEntries = 0;
}

function buildIndex(dict: PyObject): void {
  const index = new Map<string, number>();
  const names = dict.fieldNames!;
  for (let i = 0; i < names.length; i++) if (names[i] !== undefined) index.set(names[i]!, i);
  dict.keyIndex = index;
}
