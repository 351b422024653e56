// What the heap asks of the cyclic collector. The heap allocates, tracks and frees objects; the
// collector decides what that means for its generations, its allocation count and its freelists.
// The heap knows the collector only through these hooks (src/gc/ implements them), so that the
// heap can be read, and tested, without the collector's algorithm.
import type { Kind } from './kind.js';
import type { PyObject } from './object.js';

export interface CollectorHooks {
  /** A GC object of `kind` is about to be allocated (`_PyObject_GC_Link`, or a freelist pop that
   * skips it; a tuple's freelist is chosen by its `tupleItems`). 3.11 may collect right here. */
  allocating(kind: Kind, tupleItems: number): void;
  /** `_PyObject_GC_TRACK`: appended to generation 0. */
  track(obj: PyObject): void;
  /** `_PyObject_GC_UNTRACK`. */
  untrack(obj: PyObject): void;
  /** A GC object's memory went back (`PyObject_GC_Del`, or onto its freelist). */
  freed(obj: PyObject): void;
  /** An eval-breaker check: 3.12+ run a collection an allocation scheduled. */
  safePoint(): void;
  /** A collection is running (callbacks say `during: 'gc'`; no collection starts inside one). */
  readonly collecting: boolean;
  /** The index of the collection whose delete_garbage is freeing objects now, else -1. */
  readonly freeingPass: number;
}
