// A type as the heap sees it: a built-in type or a workload class, its kind of object (layout.ts),
// its size and its finalizer. ./registry.ts resolves type names to these.
import type { FinalizerKind, Kind } from './kind.js';

/** A class's shared key table starts with this many usable slots (CPython SHARED_KEYS_MAX_SIZE). */
const SHARED_KEYS_MAX_SIZE = 30;

/** A type as the heap sees it. Workload classes are one per (type name, finalizer kind). */
export class PyClass {
  /** Field names in the order first set on any instance: the shared key table (traversal order). */
  readonly keys: string[] = [];
  readonly keyIndex = new Map<string, number>();
  /** dk_usable of the shared keys: instance creation and new names consume it. A class with fixed
   * slots has no shared key table: its slots are its keys, and it never runs out. */
  usable = SHARED_KEYS_MAX_SIZE;

  constructor(
    readonly name: string,
    readonly kind: Kind,
    readonly size: number,
    readonly finalizer: FinalizerKind,
    /** For a resurrecting finalizer: the module-level name of the list it appends self to. */
    readonly resurrectName: string | null,
    /** `__slots__`, or a built-in type's fields: references in this order, never a `__dict__`. */
    slots: readonly string[] | null = null,
  ) {
    if (slots === null) return;
    for (const name of slots) {
      this.keyIndex.set(name, this.keys.length);
      this.keys.push(name);
    }
    this.usable = Infinity;
  }
}

