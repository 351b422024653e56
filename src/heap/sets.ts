// A set's items as memprof keeps them: in insertion order, its stand-in for the order of CPython's
// hash table (which follows addresses no trace can know). Membership is found by a scan while the
// set is small and through an item → position map once it is not; there a discarded item leaves a
// hole (undefined) in `items` until holes outnumber the items, when the array is compacted. So
// adding and discarding cost the same in a set of ten items and in one of a million, and the items
// keep the order a removal in place would leave.
//
// The holes are bookkeeping, not CPython's dummy entries: the set's fill (so->fill, which decides
// its resizes) is counted apart, in `setFill`.
import type { PyObject } from './object.js';

/** Sets with more items than this find them through a map. */
const SCAN_LIMIT = 8;

/** so->used: the items the set holds. */
export function setSize(set: PyObject): number {
  const index = set.keyIndex;
  return index === null ? set.items!.length : index.size;
}

/** Whether the set holds `value` (by identity; null is None). */
export function setHas(set: PyObject, value: PyObject | null): boolean {
  const index = set.keyIndex;
  return index === null ? set.items!.includes(value) : index.has(value);
}

/** Adds an item the set does not hold. */
export function setAdd(set: PyObject, value: PyObject | null): void {
  const items = set.items!;
  const index = set.keyIndex;
  if (index !== null) index.set(value, items.length);
  items.push(value);
  if (index === null && items.length > SCAN_LIMIT) buildIndex(set);
}

/** Removes `value` from the set; false when it does not hold it. */
export function setDiscard(set: PyObject, value: PyObject | null): boolean {
  const items = set.items!;
  const index = set.keyIndex;
  if (index === null) {
    const i = items.indexOf(value);
    if (i < 0) return false;
    items.splice(i, 1);
    return true;
  }
  const i = index.get(value);
  if (i === undefined) return false;
  index.delete(value);
  (items as (PyObject | null | undefined)[])[i] = undefined;
  if (items.length - index.size > index.size) compact(set);
  return true;
}

/** The set's items in order, and the set emptied (set_clear_internal). */
export function setTakeAll(set: PyObject): (PyObject | null)[] {
  const items = set.items!;
  const holes = set.keyIndex !== null && set.keyIndex.size < items.length;
  set.items = [];
  set.keyIndex = null;
  return holes ? items.filter((v) => v !== undefined) : items;
}

function compact(set: PyObject): void {
  const items = set.items as (PyObject | null | undefined)[];
  let n = 0;
  for (let i = 0; i < items.length; i++) if (items[i] !== undefined) items[n++] = items[i];
  items.length = n;
  if (n > SCAN_LIMIT) buildIndex(set);
  else set.keyIndex = null;
}

function buildIndex(set: PyObject): void {
  const items = set.items!;
  const index = new Map<PyObject | null, number>();
  for (let i = 0; i < items.length; i++) index.set(items[i]!, i);
  set.keyIndex = index;
}
