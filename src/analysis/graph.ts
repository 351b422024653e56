// Walking the object graph for people: how an object is named in a report, and the path a
// breadth-first walk took to it from a root. References are followed in reading order
// (layout.ts), so that of equally short paths the one through `[0]` is shown.
import { referenceLabel } from '../heap/layout.js';
import type { PyObject } from '../heap/object.js';

/** `Node@cache.py:12`: an object as leak reports name it, by type and allocating line. */
export function describeObject(obj: PyObject): string {
  const owner = obj.implicit && obj.owner !== null ? obj.owner : obj;
  return `${owner.typeName}@${owner.allocFile}:${owner.allocLine}`;
}

/** Accessors shown at each end of a long retention path; the middle is summarised. */
const PATH_ENDS = 4;

/** The parent links of a breadth-first walk: `parent[h]` is the handle the walk reached object h
 * from, or `-1 - r` when h was the root labelled `rootLabels[r]`. */
export interface WalkTree {
  readonly parent: Int32Array;
  readonly rootLabels: readonly string[];
}

/**
 * The walk's path to `handle` from its root (a shortest one when the walk started from every root at
 * once): `cache → .entries[3] → Node@cache.py:12`.
 */
export function retentionPath(objects: readonly (PyObject | null)[], walk: WalkTree, handle: number): string {
  const accessors: string[] = [];
  let hops = 0;
  let at = handle;
  // Walk up to the root; only the accessors near each end are kept, so a path a million hops long
  // costs a million steps and a few strings.
  const tailAccessors: string[] = [];
  for (let p = walk.parent[at]!; p >= 0; at = p, p = walk.parent[at]!) {
    hops++;
    const label = referenceLabel(objects[p]!, objects[at]!);
    if (tailAccessors.length < PATH_ENDS) tailAccessors.push(label);
    else {
      accessors.push(label);
      if (accessors.length > PATH_ENDS) accessors.shift();
    }
  }
  const r = -1 - walk.parent[at]!;
  const root = r >= 0 && r < walk.rootLabels.length ? walk.rootLabels[r]! : '<unknown>';
  const skipped = hops - tailAccessors.length - accessors.length;
  const middle = skipped > 0 ? `…(${skipped} more)…` : '';
  const chain = accessors.reverse().join('') + middle + tailAccessors.reverse().join('');
  const target = describeObject(objects[handle]!);
  return chain === '' ? `${root} → ${target}` : `${root} → ${chain} → ${target}`;
}
