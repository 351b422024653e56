// The heap: objects, strong references, reference counting and deallocation in CPython's order.
// Deallocation never recurses on data: a cascade runs on an explicit stack of deallocator frames that
// reproduces the order of CPython's recursive tp_dealloc calls, trashcan included. What each kind of
// object holds, and in which order it drops it, is src/heap/layout.ts; what the collector makes of
// allocations and frees goes through the hooks of src/heap/hooks.ts.
import type { VersionModel } from '../cpython/versions.js';
import type { CallbackRecord } from '../model/report.js';
import { appendEntry, clearEntries, compactEntries, deleteEntry, findEntry, type DictKey } from './dicts.js';
import { Frame } from './frames.js';
import { setAdd, setDiscard, setHas, setSize } from './sets.js';
import type { CollectorHooks } from './hooks.js';
import { freedEvent, IdTable, UNKNOWN } from './ids.js';
import { FinalizerKind, Kind } from './kind.js';
import {
  detachCallable,
  detachForClear,
  dictKeysSize,
  dictLog2For,
  dictUsable,
  KINDS,
  listResize,
  mayBeTracked,
  POINTER_SIZE,
  SET_MINSIZE,
  setGrownSlots,
  setNeedsResize,
  setTableSize,
  takeDeallocReference,
} from './layout.js';
import { NO_VALUES, PyObject } from './object.js';
import type { TypeRegistry } from './registry.js';
import type { PyClass } from './types.js';

/** The object table is compacted once more than half of it, and more than this many slots, are null. */
const COMPACT_AT = 4096;

/** The object a trace names for anything outside it ("to": "@external"); as a weakref's `discard`,
 * its callback drops the reference from C that held it. */
export const EXTERNAL = '@external';

/** Raised when a finalizer cannot do what the workload says (e.g. resurrect into a missing list). */
export class HeapError extends Error {
  constructor(
    readonly reason: string,
    readonly hint: string,
  ) {
    super(reason);
  }
}

// Phases of one deallocator frame (subtype_dealloc, list_dealloc, …).
const enum Phase {
  Finalize,
  ClearWeakrefs,
  DropReferences,
  Free,
  /** _PyTrash_thread_destroy_chain: deallocates deposited objects one by one. */
  DestroyChain,
}

/** A model of the process's memory beside the live bytes (e.g. pymalloc's arenas): told of every
 * allocation, resize and free, in order. */
export interface MemoryModel {
  allocate(obj: PyObject): void;
  resize(obj: PyObject, oldSize: number): void;
  free(obj: PyObject): void;
  /** The modelled resident memory, in bytes (without the baseline). */
  readonly rss: number;
}

export class Heap<G extends CollectorHooks = CollectorHooks> {
  /** Objects by handle, in allocation order; a freed object's slot is null until the table is
   * compacted (its memory is released at once). */
  readonly objects: (PyObject | null)[] = [];
  /** Null slots in `objects`. */
  private holes = 0;
  /** Workload ids: a live one names its object's handle; a freed one keeps the event that freed it,
   * to explain later references to it and to refuse its id for a new object. */
  private readonly ids = new IdTable();
  /** The workload object named last (allocated or looked up): a trace names the object it has just
   * made several times in a row (`alloc`, then `ref` from it, `bind` to it), and a live id names
   * one object, so it is found without probing the table. */
  private lastNamed: PyObject | null = null;
  /** Told of each object freed while the cyclic collector broke cycles, with the index of that
   * collection in the collector's passes. */
  onGcFreed: ((obj: PyObject, pass: number) => void) | null = null;
  readonly frames: Frame[];
  /** gc.garbage: a root list. */
  readonly garbage: PyObject[] = [];
  readonly callbacks: CallbackRecord[] = [];
  /** The cyclic collector, built by the heap's creator from the heap itself. */
  readonly gc: G;
  private readonly dealloc: VersionModel['dealloc'];
  /** Optional model of resident memory (`--memory-model pymalloc`). */
  memory: MemoryModel | null = null;

  /** The event being replayed: its index, source position and clock (for logs, freed-at, the peak). */
  event = -1;
  file = '';
  line: number | null = null;
  clock = 0;

  liveBytes: number;
  /** Highest liveBytes since the line sampler last reset it. */
  highWater: number;
  /** Highest liveBytes since the timeline's last sample. */
  sampleHigh: number;
  /** Highest liveBytes of the run, and the event that first reached it. */
  peakBytes: number;
  peakEvent = -1;
  peakFile = '';
  peakLine: number | null = null;
  peakClock = 0;
  allocatedBytes = 0;
  freedBytes = 0;
  objectsAllocated = 0;
  objectsFreed = 0;

  // The deallocation stack: parallel arrays, one entry per active deallocator.
  private readonly stackObj: PyObject[] = [];
  private readonly stackPhase: Phase[] = [];
  /** How far each deallocator has got through the references it drops. */
  private readonly stackIndex: number[] = [];
  private trashNesting = 0;
  /** tstate->trash_delete_later: deposited objects, last in first out. */
  private readonly trashLater: PyObject[] = [];

  constructor(
    baseline: number,
    moduleFile: string,
    readonly types: TypeRegistry,
    makeCollector: (heap: Heap<G>) => G,
    /** Sizes come from the trace only (a recorded trace measured them): see `modelledResize`. */
    private readonly recordedSizes = false,
  ) {
    this.liveBytes = baseline;
    this.highWater = baseline;
    this.sampleHigh = baseline;
    this.peakBytes = baseline;
    this.frames = [new Frame('<module>', moduleFile, null)];
    this.dealloc = types.version.dealloc;
    this.gc = makeCollector(this);
  }

  /** The live workload object with this id, the event that freed it, or undefined for an id never used. */
  lookup(id: string): PyObject | number | undefined {
    const last = this.lastNamed;
    if (last !== null && last.id === id && last.alive) return last;
    const value = this.ids.find(id);
    if (value === UNKNOWN) return undefined;
    if (value < UNKNOWN) return freedEvent(value);
    const obj = this.objects[value]!;
    if (obj.id !== id) return undefined;
    this.lastNamed = obj;
    return obj;
  }

  /** The live workload object with this id. */
  object(id: string): PyObject | undefined {
    const entry = this.lookup(id);
    return typeof entry === 'number' ? undefined : entry;
  }

  get moduleFrame(): Frame {
    return this.frames[0]!;
  }

  get currentFrame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  // ---------------------------------------------------------------------------------------------
  // Allocation

  /** Creates an object and accounts for it with the collector (which may collect first, as
   * CPython's allocator does) and tracks it when its type is tracked at creation. */
  allocate(id: string, cls: PyClass, size: number, file: string, line: number, implicit = false, tupleItems = 0): PyObject {
    const layout = KINDS[cls.kind];
    if (layout.gc) this.gc.allocating(cls.kind, tupleItems);
    if (this.holes > COMPACT_AT && this.holes > this.objects.length >>> 1) this.compact();
    const obj = new PyObject(this.objects.length, id, cls.kind, cls, size, this.event, file, line);
    obj.implicit = implicit;
    this.objects.push(obj);
    if (!implicit) {
      this.ids.setLive(id, obj.handle);
      this.lastNamed = obj;
      this.objectsAllocated++;
    }
    this.grow(size);
    this.allocatedBytes += size;
    this.memory?.allocate(obj);
    switch (layout.storage) {
      case 'attributes':
        if (cls.kind === Kind.Instance && cls.usable > 1) cls.usable--; // init_inline_values
        break;
      case 'entries':
        obj.fieldNames = [];
        obj.fieldValues = [];
        break;
      case 'items':
        obj.items = [];
        if (layout.uniqueItems) obj.setSlots = SET_MINSIZE;
        break;
    }
    // A dict subclass is made by type_call, which tracks it (an exact dict waits for a value that may be tracked).
    if (layout.trackedAtCreation || (cls.kind === Kind.Dict && cls.name !== layout.typeName)) this.gc.track(obj);
    return obj;
  }

  private grow(bytes: number): void {
    const live = (this.liveBytes += bytes);
    if (live > this.highWater) this.highWater = live;
    if (live > this.sampleHigh) this.sampleHigh = live;
    if (live > this.peakBytes) {
      this.peakBytes = live;
      if (this.peakEvent !== this.event) {
        this.peakEvent = this.event;
        this.peakFile = this.file;
        this.peakLine = this.line;
        this.peakClock = this.clock;
      }
    }
  }

  /** A size CPython's own rule gives the object (list_resize, a dict's or set's new table). A
   * recorded trace says every size the real run measured instead (`resize` events), and there the
   * rules only keep the counts that decide later growth. */
  private modelledResize(obj: PyObject, newSize: number): void {
    if (!this.recordedSizes) this.resize(obj, newSize);
  }

  /** The object's memory changed (resize events, list, dict and set growth). */
  resize(obj: PyObject, newSize: number): void {
    const oldSize = obj.size;
    const delta = newSize - oldSize;
    obj.size = newSize;
    this.memory?.resize(obj, oldSize);
    if (delta > 0) {
      this.grow(delta);
      this.allocatedBytes += delta;
    } else {
      this.liveBytes += delta;
      this.freedBytes -= delta;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // References

  incref(obj: PyObject | null): void {
    if (obj !== null) obj.refcount++;
  }

  /** Py_DECREF: drops one strong reference; what reaches zero is deallocated before this returns. */
  decref(obj: PyObject | null): void {
    if (obj === null || --obj.refcount > 0) return;
    const base = this.stackObj.length;
    this.beginDealloc(obj);
    this.runDeallocators(base);
  }

  /** `a.f = v` / `d[k] = v`: stores a new reference, then drops the replaced value. */
  setField(obj: PyObject, name: string, value: PyObject | null, file: string, line: number): void {
    if (obj.kind === Kind.Dict) return this.dictSet(obj, name, value);
    // `a.__dict__ = d` is no attribute: the instance takes d as its __dict__.
    if (name === '__dict__' && obj.kind === Kind.Instance && value !== null && value.kind === Kind.Dict && obj.cls.usable !== Infinity) return this.assignDict(obj, value);
    if (obj.kind === Kind.Function) {
      const ix = obj.cls.keyIndex.get(name);
      if (ix !== undefined) return this.setSlot(obj, ix, value);
    }
    if (obj.dict === null && obj.kind === Kind.Instance) {
      const cls = obj.cls;
      let ix = cls.keyIndex.get(name);
      if (ix === undefined && cls.usable > 0) {
        ix = cls.keys.length;
        cls.keys.push(name);
        cls.keyIndex.set(name, ix);
        cls.usable--;
      }
      if (ix !== undefined) return this.setSlot(obj, ix, value);
      this.materializeDict(obj, file, line);
    } else if (obj.dict === null) {
      this.createFunctionDict(obj, file, line);
    }
    this.dictSet(obj.dict!, name, value);
  }

  /** An instance's value in its key table (or `__slots__`), a function's own reference. */
  private setSlot(obj: PyObject, ix: number, value: PyObject | null): void {
    // Room for every key the class has seen so far: its next instances take the same attributes,
    // so the values are allocated once rather than grown one by one.
    if (ix >= obj.fieldValues.length) obj.fieldValues = withLength(obj.fieldValues, obj.kind === Kind.Instance ? Math.max(ix + 1, obj.cls.keys.length) : ix + 1);
    const old = obj.fieldValues[ix];
    this.incref(value);
    obj.fieldValues[ix] = value;
    if (old !== undefined) this.decref(old);
  }

  /** The value of a field, `undefined` when it is not set. */
  getField(obj: PyObject, name: string): PyObject | null | undefined {
    if (obj.kind === Kind.Dict) {
      const i = findEntry(obj, name);
      return i < 0 ? undefined : obj.fieldValues[i];
    }
    const ix = obj.cls.keyIndex.get(name);
    if (obj.kind === Kind.Function && ix !== undefined) return obj.fieldValues[ix];
    if (obj.dict !== null) return this.getField(obj.dict, name);
    if (obj.kind !== Kind.Instance) return undefined;
    return ix === undefined ? undefined : obj.fieldValues[ix];
  }

  /** `del a.f` / `del d[k]`. Returns false when the field is not set. */
  deleteField(obj: PyObject, name: string): boolean {
    if (obj.kind === Kind.Dict) {
      const i = findEntry(obj, name);
      if (i < 0) return false;
      this.dropEntry(obj, i);
      return true;
    }
    const ix = obj.cls.keyIndex.get(name);
    if (obj.dict !== null && !(obj.kind === Kind.Function && ix !== undefined)) return this.deleteField(obj.dict, name);
    if (obj.kind !== Kind.Instance && obj.kind !== Kind.Function) return false;
    if (ix === undefined || obj.fieldValues[ix] === undefined) return false;
    const old = obj.fieldValues[ix]!;
    obj.fieldValues[ix] = undefined;
    this.decref(old);
    return true;
  }

  /** `lst.append(v)` (list_resize, then the new reference) or `s.add(v)`. */
  appendItem(container: PyObject, value: PyObject | null): void {
    if (KINDS[container.kind].uniqueItems) return this.addToSet(container, value, true);
    const items = container.items!;
    this.setListAllocated(container, listResize(container.listAllocated, items.length, items.length + 1));
    this.incref(value);
    items.push(value);
  }

  /** `lst.remove(v)` or `s.remove(v)` by identity. Returns false when the container does not hold it. */
  removeItem(container: PyObject, value: PyObject | null): boolean {
    if (KINDS[container.kind].uniqueItems) {
      // The set keeps a dummy in the slot: its fill stays.
      if (!setDiscard(container, value)) return false;
      this.decref(value);
      return true;
    }
    const items = container.items!;
    const i = items.indexOf(value);
    if (i < 0) return false;
    items.splice(i, 1);
    this.setListAllocated(container, listResize(container.listAllocated, items.length + 1, items.length));
    this.decref(value);
    return true;
  }

  /** Items set at creation (`[a, b]`, `(a, b)`, `{a, b}`): the references were taken by the caller. */
  initItems(obj: PyObject, values: readonly (PyObject | null)[]): void {
    switch (obj.kind) {
      case Kind.List:
        obj.items = values.slice(); // exactly as long as the items, like CPython's own allocation
        this.setListAllocated(obj, values.length);
        return;
      case Kind.Tuple:
        obj.items = values.slice();
        obj.tupleLength = values.length; // a tuple's length decides its freelist
        if (!obj.implicit) this.modelledResize(obj, obj.size + POINTER_SIZE * values.length);
        return;
      default:
        // BUILD_SET / frozenset(iterable): one set_add per item.
        for (let i = 0; i < values.length; i++) this.addToSet(obj, values[i] ?? null, false);
    }
  }

  /** set_add_entry: a new item fills a slot; past 60% full the table grows to 4 × the items. An
   * item already there (by identity) changes nothing. `incref`: the reference is not the caller's yet. */
  private addToSet(set: PyObject, value: PyObject | null, incref: boolean): void {
    if (setHas(set, value)) {
      if (!incref) this.decref(value); // the caller's reference was for the item the set already has
      return;
    }
    if (incref) this.incref(value);
    setAdd(set, value);
    set.setFill++;
    if (setNeedsResize(set.setFill, set.setSlots)) {
      const used = setSize(set);
      const slots = setGrownSlots(used);
      this.modelledResize(set, set.size + setTableSize(slots) - setTableSize(set.setSlots));
      set.setSlots = slots;
      set.setFill = used;
    }
  }

  private setListAllocated(list: PyObject, allocated: number): void {
    if (allocated !== list.listAllocated) this.modelledResize(list, list.size + POINTER_SIZE * (allocated - list.listAllocated));
    list.listAllocated = allocated;
  }

  /** `d[k] = v` with a key object (an int, a tuple, an instance, a str the trace counts). */
  setKey(dict: PyObject, key: PyObject, value: PyObject | null): void {
    this.dictSet(dict, key, value);
  }

  /** The value stored under a key object, `undefined` when there is none. */
  getKey(dict: PyObject, key: PyObject): PyObject | null | undefined {
    const i = findEntry(dict, key);
    return i < 0 ? undefined : dict.fieldValues[i];
  }

  /** `del d[k]` with a key object. Returns false when the key is not there. */
  deleteKey(dict: PyObject, key: PyObject): boolean {
    const i = findEntry(dict, key);
    if (i < 0) return false;
    this.dropEntry(dict, i);
    return true;
  }

  /** delitem_common: the entry becomes a dummy; its value goes, then its key. */
  private dropEntry(dict: PyObject, i: number): void {
    const { key, value } = deleteEntry(dict, i);
    this.decref(value);
    this.decref(key);
  }

  private dictSet(dict: PyObject, key: DictKey, value: PyObject | null): void {
    const keyObject = typeof key === 'string' ? null : key;
    // MAINTAIN_TRACKING: a dict starts tracking itself when it stores something that may be tracked.
    if (!dict.tracked && (mayBeTracked(value) || mayBeTracked(keyObject))) this.gc.track(dict);
    const i = findEntry(dict, key);
    this.incref(value);
    if (i >= 0) {
      // An existing key keeps its key object; only the value is replaced.
      const old = dict.fieldValues[i]!;
      dict.fieldValues[i] = value;
      this.decref(old);
      return;
    }
    const unicode = dict.unicodeKeys && (keyObject === null || (keyObject.kind === Kind.Atomic && keyObject.typeName === 'str'));
    if (dict.dictEntries >= dictUsable(dict.dictLog2) || unicode !== dict.unicodeKeys) {
      // insertion_resize: a table for three times the keys in use (dummy entries are dropped); the
      // first key that is not a str also rebuilds a str-keys table as a general one.
      const log2 = dict.dictLog2 === 0 ? 3 : dictLog2For(dict.liveEntries * 3);
      this.modelledResize(dict, dict.size + dictKeysSize(log2, unicode) - dictKeysSize(dict.dictLog2, dict.unicodeKeys));
      dict.dictLog2 = log2;
      compactEntries(dict);
    }
    this.incref(keyObject);
    appendEntry(dict, key, value);
    dict.unicodeKeys = unicode;
  }

  // List operations by index (recorded traces: `lst[i] = v`, `insert`, `del lst[i:j]`, `sort`).

  /** `lst[i] = v`: the new reference is stored, then the old item dropped (list_ass_item). */
  setItem(list: PyObject, index: number, value: PyObject | null): void {
    const items = list.items!;
    this.incref(value);
    const old = items[index]!;
    items[index] = value;
    this.decref(old);
  }

  /** `lst.insert(i, v)`: list_resize for one more, then the item takes position i. */
  insertItem(list: PyObject, index: number, value: PyObject | null): void {
    const items = list.items!;
    this.setListAllocated(list, listResize(list.listAllocated, items.length, items.length + 1));
    this.incref(value);
    items.splice(index, 0, value);
  }

  /** `del lst[start:stop]` (list_ass_slice): the list shrinks by list_resize, then the removed items
   * are dropped last first. */
  deleteItems(list: PyObject, start: number, stop: number): void {
    const items = list.items!;
    const removed = items.splice(start, stop - start);
    this.setListAllocated(list, listResize(list.listAllocated, items.length + removed.length, items.length));
    for (let i = removed.length - 1; i >= 0; i--) this.decref(removed[i]!);
  }

  /** The list's items replaced as a whole (sort, reverse, slice assignment, extend, `*=`): the new
   * references are taken, the item array resized by list_resize, then the old items dropped last
   * first. A permutation changes no refcount in the end. */
  setItems(list: PyObject, values: readonly (PyObject | null)[]): void {
    const old = list.items!;
    for (let i = 0; i < values.length; i++) this.incref(values[i] ?? null);
    list.items = values.slice();
    if (values.length !== old.length) this.setListAllocated(list, listResize(list.listAllocated, old.length, values.length));
    for (let i = old.length - 1; i >= 0; i--) this.decref(old[i]!);
  }

  /** `lst.clear()`, `d.clear()`, `s.clear()`: the container's tp_clear. */
  clearContainer(container: PyObject): void {
    this.clearReferences(container);
  }

  /** An instance's reference to its type object (a recorded class). */
  setTypeObject(obj: PyObject, type: PyObject): void {
    this.incref(type);
    obj.typeObject = type;
  }

  /** The instance gets a real `__dict__` (make_dict_from_instance_attributes): its class's key
   * table is full, or the program asked for it (`vars(obj)` on 3.11 and 3.12). */
  materializeDict(obj: PyObject, file: string, line: number): void {
    const dict = this.allocateDict(obj, file, line);
    const keys = obj.cls.keys;
    const values = obj.fieldValues;
    obj.fieldValues = NO_VALUES;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === undefined) continue;
      this.dictSet(dict, keys[i]!, v);
      this.decref(v); // the reference moves from the inline values to the dict
    }
  }

  /** An instance of a subclass of list, dict, set, frozenset or tuple gets its `__dict__` at its
   * first attribute (or `vars(obj)`): a dict outside its items, which it holds until it dies. Events
   * store its attributes through it, as `<id>.__dict__`. */
  materializeContainerDict(obj: PyObject, file: string, line: number): void {
    const dict = this.allocateDict(obj, file, line);
    dict.named = true;
    this.ids.setLive(dict.id, dict.handle);
    this.lastNamed = dict;
  }

  /** `obj.__dict__ = dict` (subtype_setdict): the object refers to `dict` from then on and drops
   * the values it kept inline, or the dict it had. */
  assignDict(obj: PyObject, dict: PyObject): void {
    this.incref(dict);
    const old = obj.dict;
    obj.dict = dict;
    if (old !== null) {
      this.decref(old);
    } else if (obj.kind === Kind.Instance) {
      const values = obj.fieldValues;
      obj.fieldValues = NO_VALUES;
      for (let i = 0; i < values.length; i++) if (values[i] !== undefined) this.decref(values[i]!);
    }
  }

  /** `obj.__class__ = cls` (object_set_class): the instance's values move to the new class's key
   * table (unless its dict holds them), and it refers to the new class's type object, if any,
   * instead of the old one. */
  setClass(obj: PyObject, cls: PyClass, type: PyObject | null, file: string, line: number): void {
    const keys = obj.cls.keys;
    const values = obj.dict === null ? obj.fieldValues : NO_VALUES;
    obj.fieldValues = NO_VALUES;
    obj.cls = cls;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === undefined) continue;
      this.setField(obj, keys[i]!, v, file, line);
      this.decref(v); // the reference moved: setField took one of its own
    }
    if (type !== null) this.incref(type);
    const old = obj.typeObject;
    obj.typeObject = type;
    if (old !== null) this.decref(old);
  }

  /** A function's `__dict__` is created on its first attribute (PyDict_New: untracked at first). */
  private createFunctionDict(fn: PyObject, file: string, line: number): void {
    this.allocateDict(fn, file, line);
  }

  /** An object's own `__dict__`: an implicit dict its owner holds the one reference to. */
  private allocateDict(owner: PyObject, file: string, line: number): PyObject {
    const dictClass = this.types.dict;
    const dict = this.allocate(`${owner.id}.__dict__`, dictClass, dictClass.size, file, line, true);
    dict.owner = owner;
    owner.dict = dict;
    dict.refcount = 1;
    return dict;
  }

  /** `weakref.ref(target, cb)`: the new weakref goes to the head of the referent's list, so callbacks
   * run newest first. The weakref holds a reference to its callback object, when the trace names one. */
  attachWeakref(wr: PyObject, target: PyObject, label: string | undefined, discard?: string, callable: PyObject | null = null): void {
    wr.referent = target;
    if (callable !== null) {
      callable.refcount++;
      wr.callable = callable;
    }
    if (discard !== undefined) wr.discard = discard;
    wr.hasCallback = label !== undefined;
    wr.callback = label ?? null;
    (target.weakrefs ??= []).unshift(wr);
  }

  /** _PyWeakref_ClearRef: the weakref no longer points anywhere; its callback is kept. */
  clearWeakref(wr: PyObject): void {
    const target = wr.referent;
    if (target === null) return;
    const list = target.weakrefs!;
    list.splice(list.indexOf(wr), 1);
    wr.referent = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Finalizers and callbacks

  /** Runs a `__del__` once (PEP 442). The caller holds a reference to `obj`. */
  callFinalizer(obj: PyObject): void {
    const cls = obj.cls;
    if (obj.finalized || (cls.finalizer !== FinalizerKind.Del && cls.finalizer !== FinalizerKind.Resurrect)) return;
    this.gc.safePoint();
    this.logCallback('finalizer', obj.id, undefined);
    if (cls.finalizer === FinalizerKind.Resurrect) {
      const name = cls.resurrectName!;
      const list = this.moduleFrame.names.get(name);
      if (list === undefined || list === null || list.kind !== Kind.List) {
        throw new HeapError(
          `the finalizer of '${obj.id}' resurrects it into '${name}', which is not bound to a list in the module`,
          `Bind '${name}' to a list at module level before the object dies`,
        );
      }
      this.appendItem(list, obj);
    }
    obj.finalized = true;
  }

  /** A legacy `tp_del`: runs on every deallocation and during no collection. */
  private callLegacyFinalizer(obj: PyObject): void {
    this.gc.safePoint();
    this.logCallback('finalizer', obj.id, undefined);
  }

  /** handle_callback: calls the weakref's callback with the weakref. A callback that discards it
   * takes it out of its container, as WeakSet's, WeakKeyDictionary's and WeakValueDictionary's do,
   * or drops the reference from C that held it (weakref.finalize's registry: `discard` "@external"). */
  callWeakrefCallback(wr: PyObject, label: string): void {
    this.gc.safePoint();
    this.logCallback('weakref', wr.id, label);
    if (wr.discard === EXTERNAL) {
      if (wr.external > 0) {
        wr.external--;
        this.decref(wr);
      }
      return;
    }
    const from = wr.discard === null ? undefined : this.object(wr.discard);
    if (from !== undefined) this.discardItem(from, wr);
  }

  /** `s.discard(x)`, or `del d[k]` of the entry whose key or value is `x`; nothing if absent. */
  private discardItem(container: PyObject, x: PyObject): void {
    if (container.kind === Kind.Set) {
      this.removeItem(container, x);
    } else if (container.kind === Kind.Dict) {
      const values = container.fieldValues;
      const keys = container.fieldKeys;
      for (let i = 0; i < values.length; i++) {
        if (values[i] !== undefined && (values[i] === x || keys?.[i] === x)) return this.dropEntry(container, i);
      }
    }
  }

  private logCallback(kind: 'finalizer' | 'weakref', id: string, label: string | undefined): void {
    const entry: CallbackRecord = { event: this.event, kind, id, during: this.gc.collecting ? 'gc' : 'refcount' };
    if (label !== undefined) entry.label = label;
    this.callbacks.push(entry);
  }

  /** PyObject_ClearWeakRefs: clears every weakref to a dying object and calls their callbacks. */
  private clearWeakrefsOnDealloc(obj: PyObject): void {
    const list = obj.weakrefs;
    if (list === null || list.length === 0) return;
    if (!this.dealloc.weakrefTupleAlways) {
      // The callback-less references at the head of the list (where CPython keeps its basic ref and
      // proxy) are removed first, at most two, and do not count.
      for (let i = 0; i < 2 && list.length > 0 && !list[0]!.hasCallback; i++) this.clearWeakref(list[0]!);
      if (list.length === 0) return;
    }
    if (list.length === 1 && !this.dealloc.weakrefTupleAlways) {
      const wr = list[0]!;
      const label = wr.callback;
      const callable = detachCallable(wr);
      wr.callback = null;
      wr.hasCallback = false;
      this.clearWeakref(wr);
      if (label !== null && wr.refcount > 0) this.callWeakrefCallback(wr, label);
      if (callable !== null) this.decref(callable);
      return;
    }
    // Several weakrefs: CPython keeps them alive in a tuple (weakref, callback) × n while calling.
    const count = list.length;
    const tuple = this.allocate(`<weakrefs of ${obj.id}>`, this.types.tuple, 0, obj.allocFile, obj.allocLine, true, 2 * count);
    tuple.refcount = 1;
    tuple.tupleLength = 2 * count;
    const items = tuple.items!;
    const labels: (string | null)[] = [];
    for (let i = 0; i < count && list.length > 0; i++) {
      const wr = list[0]!;
      // The tuple takes over the weakref's reference to its callback object.
      const callable = detachCallable(wr);
      if (wr.refcount > 0) {
        wr.refcount++;
        items.push(wr, callable);
        labels.push(wr.callback);
      } else {
        items.push(null, null);
        labels.push(null);
        if (callable !== null) this.decref(callable);
      }
      wr.callback = null;
      wr.hasCallback = false;
      this.clearWeakref(wr);
    }
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i]!;
      if (label !== null) this.callWeakrefCallback(items[2 * i]!, label);
    }
    this.decref(tuple);
  }

  // ---------------------------------------------------------------------------------------------
  // Deallocation

  /** The refcount reached zero: enter the type's deallocator (or deposit it in the trashcan). */
  private beginDealloc(obj: PyObject): void {
    if (obj.tracked) this.gc.untrack(obj);
    const layout = KINDS[obj.kind];
    if (layout.trashcan) {
      if (this.trashNesting >= this.dealloc.trashcanDepositDepth) {
        this.trashLater.push(obj);
        return;
      }
      this.trashNesting++;
    }
    this.stackObj.push(obj);
    this.stackPhase.push(layout.subtypeDealloc ? Phase.Finalize : layout.weakrefs || obj.kind === Kind.Weakref ? Phase.ClearWeakrefs : Phase.DropReferences);
    this.stackIndex.push(0);
  }

  /** Runs deallocator frames until the stack is back at `base`: the iterative form of CPython's
   * recursive Py_DECREF → tp_dealloc → Py_DECREF … */
  private runDeallocators(base: number): void {
    const objs = this.stackObj;
    const phases = this.stackPhase;
    while (objs.length > base) {
      const top = objs.length - 1;
      const obj = objs[top]!;
      switch (phases[top]!) {
        case Phase.Finalize: {
          // subtype_dealloc: tp_finalize runs on a temporarily resurrected, re-tracked object.
          phases[top] = Phase.ClearWeakrefs;
          const fin = obj.cls.finalizer;
          if ((fin === FinalizerKind.Del || fin === FinalizerKind.Resurrect) && !obj.finalized) {
            this.gc.track(obj);
            obj.refcount = 1;
            this.callFinalizer(obj);
            obj.refcount--;
            if (obj.refcount > 0) {
              this.endDealloc(obj); // resurrected: it stays tracked at generation 0's tail
              break;
            }
            this.gc.untrack(obj);
          }
          break;
        }
        case Phase.ClearWeakrefs:
          phases[top] = Phase.DropReferences;
          if (obj.kind === Kind.Weakref) {
            this.clearWeakref(obj);
            obj.hasCallback = false;
            obj.callback = null;
            break;
          }
          this.clearWeakrefsOnDealloc(obj);
          if (obj.cls.finalizer === FinalizerKind.Legacy) {
            this.gc.track(obj);
            obj.refcount = 1;
            this.callLegacyFinalizer(obj);
            obj.refcount--;
            if (obj.refcount > 0) {
              this.endDealloc(obj);
              break;
            }
            this.gc.untrack(obj);
          }
          break;
        case Phase.DropReferences: {
          const child = takeDeallocReference(obj, this.stackIndex, top);
          if (child === undefined) {
            phases[top] = Phase.Free;
          } else if (child !== null && --child.refcount === 0) {
            this.beginDealloc(child);
          }
          break;
        }
        case Phase.Free:
          this.free(obj);
          this.endDealloc(obj);
          break;
        case Phase.DestroyChain: {
          const next = this.trashLater.pop();
          if (next === undefined) {
            objs.pop();
            phases.pop();
            this.stackIndex.pop();
            this.trashNesting--;
          } else {
            this.beginDealloc(next);
          }
          break;
        }
      }
    }
  }

  /** Py_TRASHCAN_END: leaves the deallocator; at the outermost level, destroys deposited objects. */
  private endDealloc(obj: PyObject): void {
    this.stackObj.pop();
    this.stackPhase.pop();
    this.stackIndex.pop();
    if (!KINDS[obj.kind].trashcan) return;
    this.trashNesting--;
    if (this.trashLater.length > 0 && this.trashNesting <= this.dealloc.trashcanDestroyDepth) {
      this.trashNesting++;
      this.stackObj.push(obj);
      this.stackPhase.push(Phase.DestroyChain);
      this.stackIndex.push(0);
    }
  }

  /** The memory goes back; a GC object leaves the collector's count unless its freelist keeps it. */
  private free(obj: PyObject): void {
    obj.alive = false;
    this.liveBytes -= obj.size;
    this.memory?.free(obj);
    this.freedBytes += obj.size;
    const pass = this.gc.freeingPass;
    if (KINDS[obj.kind].gc) this.gc.freed(obj);
    if (pass >= 0) this.onGcFreed?.(obj, pass);
    this.objects[obj.handle] = null;
    this.holes++;
    if (!obj.implicit) this.objectsFreed++;
    if (!obj.implicit || obj.named) this.ids.setFreed(obj.id, this.event);
  }

  /** Drops the null slots of freed objects, so that the table grows with live objects rather than
   * with every object ever allocated. Live objects keep their order and get new handles. */
  private compact(): void {
    const objects = this.objects;
    let live = 0;
    for (let i = 0; i < objects.length; i++) {
      const obj = objects[i];
      if (obj === null || obj === undefined) continue;
      obj.handle = live;
      objects[live++] = obj;
      if (!obj.implicit || obj.named) this.ids.setLive(obj.id, obj.handle);
    }
    objects.length = live;
    this.holes = 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Used by the collector

  /** tp_clear: breaks the object's references in CPython's order (layout.ts `detachForClear`);
   * an emptied container gives its table back. */
  clearReferences(obj: PyObject): void {
    if (obj.kind === Kind.Weakref) {
      this.clearWeakref(obj);
      obj.hasCallback = false;
      obj.callback = null;
    }
    const dropped: (PyObject | null)[] = [];
    const n = detachForClear(obj, dropped);
    switch (obj.kind) {
      case Kind.Dict:
        this.modelledResize(obj, obj.size - dictKeysSize(obj.dictLog2, obj.unicodeKeys));
        clearEntries(obj);
        obj.dictLog2 = 0;
        break;
      case Kind.List:
        this.setListAllocated(obj, 0);
        break;
      case Kind.Set:
      case Kind.FrozenSet:
        this.modelledResize(obj, obj.size - setTableSize(obj.setSlots));
        obj.setSlots = SET_MINSIZE;
        obj.setFill = 0;
        break;
    }
    for (let i = 0; i < n; i++) this.decref(dropped[i]!);
  }

  /** Appends to gc.garbage (a new reference). */
  appendGarbage(obj: PyObject): void {
    obj.refcount++;
    this.garbage.push(obj);
  }

  /** gc.garbage.clear(): drops its references, last first like list clear. */
  clearGarbage(): void {
    const saved = this.garbage.splice(0);
    for (let i = saved.length - 1; i >= 0; i--) this.decref(saved[i]!);
  }
}

/** A copy of an instance's values with room for `length` (V8 would give a growing array 16 spare
 * slots; instances have few attributes and there are millions of them). */
function withLength<T>(values: readonly T[], length: number): T[] {
  const grown = new Array<T>(length);
  for (let i = 0; i < values.length; i++) grown[i] = values[i]!;
  return grown;
}
