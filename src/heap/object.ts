// One simulated Python object. Fields are monomorphic (every object has every field) so V8 keeps a
// single hidden class; the collector's intrusive list links live here like CPython's PyGC_Head.
import type { PyClass } from './types.js';

/** How an object's references are laid out and which CPython deallocator and clearer it has. */
export const enum Kind {
  /** An instance of `object` or a workload class: attributes in the class's shared key table. */
  Instance,
  List,
  Dict,
  Tuple,
  Function,
  Weakref,
  /** str, bytes, int, float, bytearray and `tracked: false` classes: no references, not a GC type. */
  Atomic,
}

export const enum FinalizerKind {
  None,
  /** A Python `__del__` (tp_finalize, PEP 442). */
  Del,
  /** A `__del__` that appends self to a module-level list. */
  Resurrect,
  /** A C `tp_del`: makes its cycle uncollectable. */
  Legacy,
}

/** A node of a doubly linked generation list. List heads are plain nodes; objects extend them. */
export class GcNode {
  gcPrev: GcNode | null = null;
  gcNext: GcNode | null = null;
}

// Bits of PyObject.flags: booleans share one word to keep objects small.
const ALIVE = 1;
const COLLECTING = 2;
const UNREACHABLE = 4;
const FINALIZED = 8;
const IMPLICIT = 16;
const HAS_CALLBACK = 32;

/** The field array of objects that have no field yet (never written: replaced on first store). */
export const NO_VALUES: (PyObject | null | undefined)[] = Object.freeze([]) as never;

export class PyObject extends GcNode {
  /** Index in the heap's object table: the object's handle (it changes when the table is compacted). */
  handle: number;
  readonly id: string;
  readonly kind: Kind;
  readonly cls: PyClass;
  size: number;
  refcount = 0;
  /** References from C code (`incref` without `decref`): part of refcount, explained by no object. */
  external = 0;
  /** gc_refs during a collection. */
  gcRefs = 0;
  private flags = ALIVE;

  /** Instance (inline values, by key-table index), dict (by insertion order: `fieldNames`). */
  fieldValues: (PyObject | null | undefined)[] = NO_VALUES;
  /** Dict keys in insertion order, parallel to fieldValues (deleted keys are removed). */
  fieldNames: string[] | null = null;
  /** A materialised `__dict__` (instances whose class's key table is full; functions with attributes). */
  dict: PyObject | null = null;
  /** List and tuple items. */
  items: (PyObject | null)[] | null = null;
  /** List capacity (list_resize), or a dict's key table as log2 of its slots (0: the empty table). */
  capacity = 0;
  /** Dict: entries used in the key table (dk_nentries; deleted keys keep theirs until a resize). */
  entries = 0;


  /** Weakrefs to this object, in CPython's list order (head first). */
  weakrefs: PyObject[] | null = null;
  /** For a weakref: its referent (not a strong reference), null once cleared. */
  referent: PyObject | null = null;
  /** For a weakref: the callback label, or null for none. Cleared with the weakref. */
  callback: string | null = null;

  /** For a `__dict__` object: the instance or function it belongs to. */
  owner: PyObject | null = null;

  /** Allocation site: the event index and its source position. */
  readonly allocEvent: number;
  readonly allocFile: string;
  readonly allocLine: number;
  /** Freed while the cyclic collector's delete_garbage broke cycles, rather than by ordinary
   * refcounting: the index of that pass in the collector's passes, else -1. */
  freedByPass = -1;
  /** Where a memory model placed the object's memory (its own encoding), -1 when none. */
  block = -1;

  constructor(handle: number, id: string, kind: Kind, cls: PyClass, size: number, allocEvent: number, allocFile: string, allocLine: number) {
    super();
    this.handle = handle;
    this.id = id;
    this.kind = kind;
    this.cls = cls;
    this.size = size;
    this.allocEvent = allocEvent;
    this.allocFile = allocFile;
    this.allocLine = allocLine;
  }

  get isGcType(): boolean {
    return this.kind !== Kind.Atomic;
  }

  /** Tracked by the collector: linked into one of its lists. */
  get tracked(): boolean {
    return this.gcNext !== null;
  }

  get alive(): boolean {
    return (this.flags & ALIVE) !== 0;
  }
  set alive(on: boolean) {
    this.setFlag(ALIVE, on);
  }
  /** PREV_MASK_COLLECTING: in the young set of the running collection. */
  get collecting(): boolean {
    return (this.flags & COLLECTING) !== 0;
  }
  set collecting(on: boolean) {
    this.setFlag(COLLECTING, on);
  }
  /** NEXT_MASK_UNREACHABLE: tentatively unreachable in move_unreachable. */
  get unreachable(): boolean {
    return (this.flags & UNREACHABLE) !== 0;
  }
  set unreachable(on: boolean) {
    this.setFlag(UNREACHABLE, on);
  }
  /** PEP 442: tp_finalize has run once and never runs again. */
  get finalized(): boolean {
    return (this.flags & FINALIZED) !== 0;
  }
  set finalized(on: boolean) {
    this.setFlag(FINALIZED, on);
  }
  /** Not a workload object: a materialised `__dict__` or a tuple CPython builds internally. */
  get implicit(): boolean {
    return (this.flags & IMPLICIT) !== 0;
  }
  set implicit(on: boolean) {
    this.setFlag(IMPLICIT, on);
  }
  /** For a weakref: it has a callback that has not been called or cleared. */
  get hasCallback(): boolean {
    return (this.flags & HAS_CALLBACK) !== 0;
  }
  set hasCallback(on: boolean) {
    this.setFlag(HAS_CALLBACK, on);
  }

  private setFlag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  /** The type name as Python prints it. */
  get typeName(): string {
    return this.cls.name;
  }
}
