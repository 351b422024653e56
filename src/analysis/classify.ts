// Leak classification (docs/model.md, "Leaks"): every live object in exactly one class, the first
// that applies — reachable from a name, frozen, uncollectable (gc.garbage), external (an incref
// nothing explains), cyclic (held only by reference cycles). One breadth-first walk per class, seeded
// with that class's roots and never entering an object an earlier class took: linear in objects +
// references.
import type { Collector } from '../gc/collector.js';
import type { Heap } from '../heap/heap.js';
import { referencesInReadingOrder } from '../heap/layout.js';
import type { PyObject } from '../heap/object.js';
import { LEAK_CLASSES, type LeakClassName, type LeakClassTotals } from '../model/report.js';
import type { WalkTree } from './graph.js';

export const enum LeakClass {
  Reachable = 0,
  Frozen = 1,
  Uncollectable = 2,
  External = 3,
  Cyclic = 4,
  /** Freed: in no class. */
  None = 255,
}

/** Startup objects are held by the interpreter, outside the model (the workload's `startupObjects`). */
const STARTUP_TYPE = '<startup>';
const INTERPRETER_ROOT = '<interpreter>';
const FROZEN_ROOT = '<permanent generation>';
const EXTERNAL_ROOT = '<incref>';
const CYCLES_ROOT = '<reference cycles>';

/** The heap sorted into leak classes, with the walk that did it (for retention paths). */
export interface HeapClassification extends WalkTree {
  readonly heap: Heap;
  /** LeakClass by object handle (None for freed objects). */
  readonly classOf: Uint8Array;
  /** Handles in the order the walk reached them: each class breadth first, cyclic ones last by handle. */
  readonly order: Int32Array;
  readonly totals: Record<LeakClassName, LeakClassTotals>;
}

/** Objects no name reaches at the end: uncollectable, external and cyclic. The one definition of
 * "leaked" (limits, `run --fail-on-leak` and reports use it). */
export function leakedTotals(totals: Record<LeakClassName, LeakClassTotals>): LeakClassTotals {
  return {
    objects: totals.uncollectable.objects + totals.external.objects + totals.cyclic.objects,
    bytes: totals.uncollectable.bytes + totals.external.bytes + totals.cyclic.bytes,
  };
}

/** Classifies every live object of the heap as it is now (the end of the trace, or a snapshot). */
export function classifyHeap(heap: Heap, gc: Collector): HeapClassification {
  const objects = heap.objects;
  const n = objects.length;
  const classOf = new Uint8Array(n).fill(LeakClass.None);
  const parent = new Int32Array(n);
  const order = new Int32Array(n);
  const rootLabels: string[] = [];
  const references: PyObject[] = [];
  let head = 0;
  let tail = 0;

  const seed = (obj: PyObject | null, cls: LeakClass, label: string): void => {
    if (obj === null || !obj.alive || classOf[obj.handle] !== LeakClass.None) return;
    classOf[obj.handle] = cls;
    parent[obj.handle] = -1 - rootLabels.length;
    rootLabels.push(label);
    order[tail++] = obj.handle;
  };
  const walk = (cls: LeakClass): void => {
    while (head < tail) {
      const holder = objects[order[head++]!]!;
      const count = referencesInReadingOrder(holder, references);
      for (let i = 0; i < count; i++) {
        const obj = references[i]!;
        if (!obj.alive || classOf[obj.handle] !== LeakClass.None) continue;
        classOf[obj.handle] = cls;
        parent[obj.handle] = holder.handle;
        order[tail++] = obj.handle;
      }
    }
  };

  // Names of the module and of every open frame, in binding order, frame by frame.
  heap.frames.forEach((frame, depth) => {
    for (const [name, value] of frame.names) seed(value, LeakClass.Reachable, depth === 0 ? name : `${frame.functionName}:${name}`);
  });
  for (const obj of objects) if (obj !== null && obj.implicit && obj.typeName === STARTUP_TYPE) seed(obj, LeakClass.Reachable, INTERPRETER_ROOT);
  walk(LeakClass.Reachable);

  // The permanent generation is never collected: what it holds is kept as if by a root.
  for (const obj of gc.frozenObjects()) seed(obj, LeakClass.Frozen, FROZEN_ROOT);
  walk(LeakClass.Frozen);

  heap.garbage.forEach((obj, i) => seed(obj, LeakClass.Uncollectable, `gc.garbage[${i}]`));
  walk(LeakClass.Uncollectable);

  for (const obj of objects) if (obj !== null && obj.external > 0) seed(obj, LeakClass.External, EXTERNAL_ROOT);
  walk(LeakClass.External);

  // The rest is held only by other unreachable objects, that is, in the end, by cycles.
  const cycles = -1 - rootLabels.length;
  rootLabels.push(CYCLES_ROOT);
  for (const obj of objects) {
    if (obj !== null && classOf[obj.handle] === LeakClass.None) {
      classOf[obj.handle] = LeakClass.Cyclic;
      parent[obj.handle] = cycles;
      order[tail++] = obj.handle;
    }
  }

  const totals = {} as Record<LeakClassName, LeakClassTotals>;
  for (const name of LEAK_CLASSES) totals[name] = { objects: 0, bytes: 0 };
  for (let i = 0; i < tail; i++) {
    const obj = objects[order[i]!]!;
    const t = totals[LEAK_CLASSES[classOf[obj.handle]!]!];
    if (!obj.implicit) t.objects++;
    t.bytes += obj.size;
  }
  return { heap, classOf, parent, rootLabels, order: order.subarray(0, tail), totals };
}
