// One simulated Python object. Fields are monomorphic (every object has every field) so V8 keeps a
// single hidden class; the collector's intrusive list links live here like CPython's PyGC_Head.
import { Kind } from './kind.js';
import type { PyClass } from './types.js';

/** A node of a doubly linked generation list. List heads are plain nodes; objects extend them. */
export class GcNode {
  gcPrev: GcNode | null = null;
  gcNext: GcNode | null = null;
}

// Bits of PyObject.flags: booleans share one word with the kind to keep objects small.
const ALIVE = 1;
const COLLECTING = 2;
const UNREACHABLE = 4;
const FINALIZED = 8;
const IMPLICIT = 16;
const HAS_CALLBACK = 32;
/** A dict whose keys are all str (DK_IS_UNICODE); cleared by the first key of another type. */
const NON_UNICODE_KEYS = 64;
/** An implicit object that events name by its id: a container subclass instance's `__dict__`. */
const NAMED = 128;
const KIND_SHIFT = 8;

/** The field array of objects that have no field yet (never written: replaced on first store). */
export const NO_VALUES: (PyObject | null | undefined)[] = Object.freeze([]) as never;

/** What few objects need: weakref state, `__dict__` links, C references. Kept
 * apart so that the millions of objects without any of it stay small. */
class RareState {
  dict: PyObject | null = null;
  weakrefs: PyObject[] | null = null;
  referent: PyObject | null = null;
  callback: string | null = null;
  callable: PyObject | null = null;
  discard: string | null = null;
  owner: PyObject | null = null;
  external = 0;
  keyIndex: Map<string | PyObject | null, number> | null = null;
  keys: (PyObject | undefined)[] | null = null;
  typeObject: PyObject | null = null;
}

export class PyObject extends GcNode {
  /** Index in the heap's object table: the object's handle (it changes when the table is compacted). */
  handle: number;
  readonly id: string;
  cls: PyClass;
  size: number;
  refcount = 0;
  /** gc_refs during a collection. */
  gcRefs = 0;
  private flags: number;

  /** Instance (inline values, by key-table index), dict (by insertion order: `fieldNames`). */
  fieldValues: (PyObject | null | undefined)[] = NO_VALUES;
  /** Dict keys in entry order, parallel to fieldValues (a deleted key leaves undefined in both). */
  fieldNames: string[] | null = null;
  /** List, tuple, set and frozenset items (a large set's may hold holes: src/heap/sets.ts). */
  items: (PyObject | null)[] | null = null;
  // The size of a container's storage, read through the accessors below that name it per kind.
  private allocated = 0;
  private used = 0;

  /** Allocation site: the event index and its source position. */
  readonly allocEvent: number;
  readonly allocFile: string;
  readonly allocLine: number;
  /** Where a memory model placed the object's memory (its own encoding), -1 when none. */
  block = -1;
  private rare: RareState | null = null;

  constructor(handle: number, id: string, kind: Kind, cls: PyClass, size: number, allocEvent: number, allocFile: string, allocLine: number) {
    super();
    this.handle = handle;
    this.id = id;
    this.flags = ALIVE | (kind << KIND_SHIFT);
    this.cls = cls;
    this.size = size;
    this.allocEvent = allocEvent;
    this.allocFile = allocFile;
    this.allocLine = allocLine;
  }

  /** How the object's references are laid out (its type's kind). */
  get kind(): Kind {
    return this.flags >>> KIND_SHIFT;
  }

  /** A list's item slots (ob_alloc, grown by list_resize). */
  get listAllocated(): number {
    return this.allocated;
  }
  set listAllocated(n: number) {
    this.allocated = n;
  }

  /** A dict's key table as log2 of its slots (0: the shared empty table). */
  get dictLog2(): number {
    return this.allocated;
  }
  set dictLog2(n: number) {
    this.allocated = n;
  }

  /** A dict's entries used in its key table (dk_nentries: a deleted key leaves a dummy entry that
   * counts until a resize compacts the table). */
  get dictEntries(): number {
    return this.fieldNames!.length;
  }

  /** A dict's keys in use (ma_used). */
  get liveEntries(): number {
    return this.used;
  }
  set liveEntries(n: number) {
    this.used = n;
  }

  /** A tuple's length at creation (its items are dropped one by one as it dies; its freelist is
   * chosen by this length). */
  get tupleLength(): number {
    return this.allocated;
  }
  set tupleLength(n: number) {
    this.allocated = n;
  }

  /** A set's hash-table slots (mask + 1; PySet_MINSIZE while it uses its smalltable). */
  get setSlots(): number {
    return this.allocated;
  }
  set setSlots(n: number) {
    this.allocated = n;
  }

  /** A set's filled slots: its items and the dummies discarded items left (so->fill). */
  get setFill(): number {
    return this.used;
  }
  set setFill(n: number) {
    this.used = n;
  }

  private get more(): RareState {
    return (this.rare ??= new RareState());
  }

  /** A materialised `__dict__` (instances whose class's key table is full; functions with attributes). */
  get dict(): PyObject | null {
    return this.rare === null ? null : this.rare.dict;
  }
  set dict(dict: PyObject | null) {
    if (dict !== null || this.rare !== null) this.more.dict = dict;
  }

  /** Weakrefs to this object, in CPython's list order (head first). */
  get weakrefs(): PyObject[] | null {
    return this.rare === null ? null : this.rare.weakrefs;
  }
  set weakrefs(list: PyObject[] | null) {
    if (list !== null || this.rare !== null) this.more.weakrefs = list;
  }

  /** For a weakref: its referent (not a strong reference), null once cleared. */
  get referent(): PyObject | null {
    return this.rare === null ? null : this.rare.referent;
  }
  set referent(target: PyObject | null) {
    if (target !== null || this.rare !== null) this.more.referent = target;
  }

  /** For a weakref with a callback: the id of the container the callback takes the weakref out of. */
  get discard(): string | null {
    return this.rare === null ? null : this.rare.discard;
  }
  set discard(id: string | null) {
    if (id !== null || this.rare !== null) this.more.discard = id;
  }

  /** For a weakref: the callback label, or null for none. Cleared with the weakref. */
  get callback(): string | null {
    return this.rare === null ? null : this.rare.callback;
  }
  set callback(label: string | null) {
    if (label !== null || this.rare !== null) this.more.callback = label;
  }

  /** For a weakref: the callback object it refers to (`wr_callback`), or null when the trace
   * names none. */
  get callable(): PyObject | null {
    return this.rare === null ? null : this.rare.callable;
  }
  set callable(obj: PyObject | null) {
    if (obj !== null || this.rare !== null) this.more.callable = obj;
  }

  /** For a `__dict__` object: the instance or function it belongs to. */
  get owner(): PyObject | null {
    return this.rare === null ? null : this.rare.owner;
  }
  set owner(owner: PyObject | null) {
    if (owner !== null || this.rare !== null) this.more.owner = owner;
  }

  /** A dict's key objects, parallel to fieldNames, once it has one (src/heap/dicts.ts). */
  get fieldKeys(): (PyObject | undefined)[] | null {
    return this.rare === null ? null : this.rare.keys;
  }
  set fieldKeys(keys: (PyObject | undefined)[] | null) {
    if (keys !== null || this.rare !== null) this.more.keys = keys;
  }

  /** An instance's type object, when the trace has it (a recorded class): held like any reference,
   * visited last and dropped last (subtype_traverse, subtype_dealloc). */
  get typeObject(): PyObject | null {
    return this.rare === null ? null : this.rare.typeObject;
  }
  set typeObject(type: PyObject | null) {
    if (type !== null || this.rare !== null) this.more.typeObject = type;
  }

  /** A dict all of whose keys are str: a DK_IS_UNICODE table (16-byte entries, keys not visited). */
  get unicodeKeys(): boolean {
    return (this.flags & NON_UNICODE_KEYS) === 0;
  }
  set unicodeKeys(on: boolean) {
    this.setFlag(NON_UNICODE_KEYS, !on);
  }

  /** A large dict's key → entry index (src/heap/dicts.ts), a large set's item → position
   * (src/heap/sets.ts). */
  get keyIndex(): Map<string | PyObject | null, number> | null {
    return this.rare === null ? null : this.rare.keyIndex;
  }
  set keyIndex(index: Map<string | PyObject | null, number> | null) {
    if (index !== null || this.rare !== null) this.more.keyIndex = index;
  }

  /** References from C code (`incref` without `decref`): part of refcount, explained by no object. */
  get external(): number {
    return this.rare === null ? 0 : this.rare.external;
  }
  set external(n: number) {
    if (n !== 0 || this.rare !== null) this.more.external = n;
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
  /** An implicit object whose id events name (`<owner>.__dict__` of a container subclass instance). */
  get named(): boolean {
    return (this.flags & NAMED) !== 0;
  }
  set named(on: boolean) {
    this.setFlag(NAMED, on);
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
