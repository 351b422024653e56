// The generational cyclic garbage collector, step for step as CPython's Modules/gcmodule.c
// (3.11): the functions below carry gcmodule.c's names and run in gc_collect_main's order.
// The heap calls it through CollectorHooks (src/heap/hooks.ts); what each kind of object refers to
// comes from src/heap/layout.ts (tp_traverse), what differs between versions from
// src/cpython/versions.ts.
import type { VersionModel } from '../cpython/versions.js';
import type { Heap } from '../heap/heap.js';
import type { CollectorHooks } from '../heap/hooks.js';
import { FinalizerKind, Kind } from '../heap/kind.js';
import { Freelist, KINDS, mayBeTracked, traverse, untrackCandidates } from '../heap/layout.js';
import { GcNode, type PyObject } from '../heap/object.js';
import type { GcPass } from '../model/report.js';
import { append, first, merge, move, newList, remove } from './lists.js';

const NUM_GENERATIONS = 3;

/** The visitprocs that tp_traverse calls: visit_decref, visit_reachable, visit_move. */
const enum Visit {
  Decref,
  Reachable,
  Move,
}

export interface GenerationStats {
  collections: number;
  collected: number;
  uncollectable: number;
}

/** One collection as the report shows it, before the replay adds where and when it ran. */
export type PassRecord = Omit<GcPass, 'file' | 'line' | 't'>;

export interface CollectorConfig {
  version: VersionModel;
  /** false for a recorded trace: automatic collections run only where the real run ran them
   * (`runRecordedCollection`), since the trace cannot see every allocation that counted. */
  automatic: boolean;
  enabled: boolean;
  threshold: [number, number, number];
  saveall: boolean;
}

export class Collector implements CollectorHooks {
  /** generations[0..2] and the permanent generation (gc.freeze). */
  readonly generations: GcNode[] = [newList(), newList(), newList()];
  readonly permanent = newList();
  readonly count: [number, number, number] = [0, 0, 0];
  readonly threshold: [number, number, number];
  enabled: boolean;
  /** A collection is running: no other starts, callbacks log `during: 'gc'`. */
  collecting = false;
  saveall: boolean;
  longLivedTotal = 0;
  longLivedPending = 0;
  readonly stats: GenerationStats[] = [0, 1, 2].map(() => ({ collections: 0, collected: 0, uncollectable: 0 }));
  readonly passes: PassRecord[] = [];
  /** 3.12+: an allocation scheduled a collection that runs at the next eval-breaker check. */
  pending = false;

  private listFreelist = 0;
  private dictFreelist = 0;
  /** Entries on the freelist of tuples of each length (index 0 unused: `()` is a singleton). */
  private readonly tupleFreelists: number[];
  private readonly freelistSizes: VersionModel['freelists'];
  /** Tracked tuples and dicts, in every generation: the passes that look for tuples or dicts to
   * untrack skip their walk of the whole young generation when there is none. */
  private trackedTuples = 0;
  private trackedDicts = 0;
  /** Objects move_unreachable left in `unreachable` (the young generation's length is what
   * update_refs counted less these). */
  private unreachableCount = 0;
  /** tp_traverse's output, reused by every visit. */
  private readonly referents: PyObject[] = [];
  /** Objects freed while delete_garbage breaks cycles: the collector, not refcounting, freed them. */
  private deletingGarbage = false;
  /** Weakref callbacks and finalizers the collector has called: the only code that can change a
   * refcount between deduce_unreachable and handle_resurrected_objects. */
  private pythonCalls = 0;

  private readonly schedulesOnly: boolean;
  private readonly automatic: boolean;
  /** Allocations a recorded trace could not see, as the recorded counts revealed them. */
  hiddenAllocations = 0;

  constructor(
    private readonly heap: Heap,
    config: CollectorConfig,
  ) {
    this.threshold = [...config.threshold];
    this.enabled = config.enabled;
    this.saveall = config.saveall;
    this.schedulesOnly = config.version.gc.schedulesCollection;
    this.automatic = config.automatic;
    this.freelistSizes = config.version.freelists;
    this.tupleFreelists = new Array<number>(this.freelistSizes.tupleMaxSaveSize + 1).fill(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Allocation, tracking, deallocation

  /** A GC object is about to be allocated (_PyObject_GC_Link, or a freelist pop that skips it). */
  allocating(kind: Kind, tupleItems: number): void {
    switch (KINDS[kind].freelist) {
      case Freelist.List:
        if (this.listFreelist > 0) return void this.listFreelist--;
        break;
      case Freelist.Dict:
        if (this.dictFreelist > 0) return void this.dictFreelist--;
        break;
      case Freelist.Tuple:
        if (tupleItems === 0) return; // () is a singleton: nothing is allocated
        if (tupleItems <= this.freelistSizes.tupleMaxPopSize && this.tupleFreelists[tupleItems]! > 0) return void this.tupleFreelists[tupleItems]!--;
        break;
    }
    this.count[0]++;
    if (this.count[0] > this.threshold[0] && this.enabled && this.threshold[0] !== 0 && !this.collecting && this.automatic) {
      if (this.schedulesOnly) {
        this.pending = true; // _Py_ScheduleGC
      } else {
        this.collecting = true;
        this.collectGenerations();
        this.collecting = false;
      }
    }
  }

  /**
   * A recorded trace says the real run started an automatic collection here, with these counts
   * (`gc.get_count()` as it started). The counts are taken as the real run had them — what they
   * exceed the model's by is allocations the trace could not see — and the collection the model
   * would run at these counts runs. Returns the index of its pass, or -1 when the model's rule
   * picks no generation.
   */
  runRecordedCollection(count: readonly [number, number, number]): number {
    this.hiddenAllocations += Math.max(0, count[0] - this.count[0]);
    for (let i = 0; i < NUM_GENERATIONS; i++) this.count[i] = count[i]!;
    if (this.collecting) return -1;
    const pass = this.passes.length;
    this.pending = false;
    this.collecting = true;
    this.collectGenerations();
    this.collecting = false;
    return this.passes.length > pass ? pass : -1;
  }

  /** 3.12+: an eval-breaker check (a constructor call returned, a Python function starts, a
   * statement ends) runs a scheduled collection. */
  safePoint(): void {
    if (!this.pending || this.collecting) return;
    this.pending = false;
    this.collecting = true;
    this.collectGenerations();
    this.collecting = false;
  }

  /** _PyObject_GC_TRACK: appended to generation 0's tail. */
  track(obj: PyObject): void {
    append(obj, this.generations[0]!);
    if (obj.kind === Kind.Tuple) this.trackedTuples++;
    else if (obj.kind === Kind.Dict) this.trackedDicts++;
  }

  untrack(obj: PyObject): void {
    remove(obj);
    if (obj.kind === Kind.Tuple) this.trackedTuples--;
    else if (obj.kind === Kind.Dict) this.trackedDicts--;
    obj.collecting = false;
    obj.unreachable = false;
  }

  /** The index of the pass whose delete_garbage is freeing objects now, else -1. */
  get freeingPass(): number {
    return this.deletingGarbage ? this.passes.length : -1;
  }

  /** tp_free of a GC object: PyObject_GC_Del lowers count0, unless the freelist keeps the object. */
  freed(obj: PyObject): void {
    const sizes = this.freelistSizes;
    switch (KINDS[obj.kind].freelist) {
      case Freelist.List:
        if (this.listFreelist < sizes.list) return void this.listFreelist++;
        break;
      case Freelist.Dict:
        if (this.dictFreelist < sizes.dict) return void this.dictFreelist++;
        break;
      case Freelist.Tuple: {
        const n = obj.tupleLength;
        if (n === 0) return;
        if (n <= sizes.tupleMaxSaveSize && this.tupleFreelists[n]! < sizes.tuple) return void this.tupleFreelists[n]!++;
        break;
      }
    }
    if (this.count[0] > 0) this.count[0]--;
  }

  // ---------------------------------------------------------------------------------------------
  // Entry points

  /** gc.collect(generation): returns collected + uncollectable (0 when a collection is running). */
  collect(generation: number): number {
    if (this.collecting) return 0;
    this.collecting = true;
    const n = this.collectMain(generation, 'collect');
    this.collecting = false;
    return n;
  }

  /** gc_collect_generations: the oldest generation over its threshold, except that generation 2
   * waits until the objects that survived into it since the last full collection are 25% of
   * those a full collection left (long_lived_pending < long_lived_total / 4). */
  private collectGenerations(): void {
    for (let i = NUM_GENERATIONS - 1; i >= 0; i--) {
      if (this.count[i]! > this.threshold[i]!) {
        if (i === NUM_GENERATIONS - 1 && this.longLivedPending < Math.floor(this.longLivedTotal / 4)) continue;
        this.collectMain(i, 'threshold');
        break;
      }
    }
  }

  freeze(): void {
    for (let i = 0; i < NUM_GENERATIONS; i++) {
      merge(this.generations[i]!, this.permanent);
      this.count[i] = 0;
    }
  }

  unfreeze(): void {
    merge(this.permanent, this.generations[NUM_GENERATIONS - 1]!);
  }

  setThreshold(values: number[]): void {
    values.forEach((v, i) => (this.threshold[i] = v));
  }

  /** Tracked objects in the permanent generation. */
  *frozenObjects(): Iterable<PyObject> {
    for (let node = this.permanent.gcNext!; node !== this.permanent; node = node.gcNext!) yield node as PyObject;
  }


  // ---------------------------------------------------------------------------------------------
  // gc_collect_main

  private collectMain(generation: number, trigger: 'collect' | 'threshold'): number {
    // Update collection and allocation counters.
    if (generation + 1 < NUM_GENERATIONS) this.count[generation + 1]!++;
    for (let i = 0; i <= generation; i++) this.count[i] = 0;

    // Merge younger generations with the one being collected.
    for (let i = 0; i < generation; i++) merge(this.generations[i]!, this.generations[generation]!);
    const young = this.generations[generation]!;
    const old = generation < NUM_GENERATIONS - 1 ? this.generations[generation + 1]! : young;

    const unreachable = newList();
    const examined = this.deduceUnreachable(young, unreachable);

    let survivors = this.untrackTuples(young, examined - this.unreachableCount);
    // Move reachable objects to the next generation.
    if (young !== old) {
      if (generation === NUM_GENERATIONS - 2) this.longLivedPending += survivors;
      merge(young, old);
    } else {
      // Dicts are untracked only in full collections, to avoid quadratic dict build-up.
      survivors = this.untrackDicts(young, survivors);
      this.longLivedPending = 0;
      this.longLivedTotal = survivors;
    }

    // Objects with a legacy finalizer, and everything they reach, cannot be freed safely.
    const finalizers = newList();
    this.moveLegacyFinalizers(unreachable, finalizers);
    this.moveLegacyFinalizerReachable(finalizers);

    // Clear weakrefs and invoke callbacks as necessary.
    const pythonCalls = this.pythonCalls;
    let collected = this.handleWeakrefs(unreachable, old);

    // Call tp_finalize on objects that have one.
    this.finalizeGarbage(unreachable);

    // Finalizers may have resurrected objects: continue with what is still unreachable.
    const finalUnreachable = newList();
    collected += this.handleResurrectedObjects(unreachable, finalUnreachable, old, this.pythonCalls !== pythonCalls);

    // tp_clear breaks the cycles; refcounting frees them (and may free some finalizers' objects).
    this.deleteGarbage(finalUnreachable, old);

    const uncollectable = this.handleLegacyFinalizers(finalizers, old);

    if (generation === NUM_GENERATIONS - 1) this.clearFreelists();

    const stats = this.stats[generation]!;
    stats.collections++;
    stats.collected += collected;
    stats.uncollectable += uncollectable;
    this.passes.push({
      event: this.heap.event,
      generation,
      trigger,
      collected,
      uncollectable,
      result: collected + uncollectable,
      examined,
      survivors,
      bytesAfter: this.heap.liveBytes,
    });
    return collected + uncollectable;
  }

  /** update_refs, subtract_refs and move_unreachable: afterwards `base` holds the objects reachable
   * from outside it and `unreachable` the rest. Returns how many objects `base` held. */
  private deduceUnreachable(base: GcNode, unreachable: GcNode): number {
    const examined = this.updateRefs(base);
    this.subtractRefs(base);
    this.moveUnreachable(base, unreachable);
    return examined;
  }

  /** gc_refs starts as the refcount: every reference, from inside or outside the set. */
  private updateRefs(containers: GcNode): number {
    let n = 0;
    for (let node = containers.gcNext!; node !== containers; node = node.gcNext!) {
      const obj = node as PyObject;
      obj.gcRefs = obj.refcount;
      obj.collecting = true;
      n++;
    }
    return n;
  }

  /** Subtract the references from inside the set: what is left comes from outside it. */
  private subtractRefs(containers: GcNode): void {
    for (let node = containers.gcNext!; node !== containers; node = node.gcNext!) this.traverse(node as PyObject, Visit.Decref, containers);
  }

  /** One pass in list order: an object with outside references is reachable and so is all it
   * reaches (pulled back from `unreachable` to young's tail, where the pass will get to it);
   * an object without is tentatively unreachable. */
  private moveUnreachable(young: GcNode, unreachable: GcNode): void {
    this.unreachableCount = 0;
    let prev: GcNode = young;
    let node = young.gcNext!;
    while (node !== young) {
      const obj = node as PyObject;
      if (obj.gcRefs > 0) {
        this.traverse(obj, Visit.Reachable, young);
        obj.collecting = false;
        prev = obj;
      } else {
        move(obj, unreachable);
        obj.unreachable = true;
        this.unreachableCount++;
      }
      node = prev.gcNext!;
    }
  }

  private visitReachable(r: PyObject, young: GcNode): void {
    // Objects of other generations, and those already scanned, are not collecting.
    if (!r.collecting) return;
    if (r.unreachable) {
      // It had gc_refs 0 when the pass reached it, but it is reachable after all.
      move(r, young);
      r.unreachable = false;
      r.gcRefs = 1;
      this.unreachableCount--;
    } else if (r.gcRefs === 0) {
      // Not scanned yet: tell the pass that it is reachable.
      r.gcRefs = 1;
    }
  }

  /** Tuples whose items can never be part of a cycle stop being tracked (_PyTuple_MaybeUntrack);
   * only exact tuples, as only exact dicts below (a namedtuple stays tracked).
   * `length` is how many objects `young` holds; returns how many stay. */
  private untrackTuples(young: GcNode, length: number): number {
    return this.trackedTuples === 0 ? length : this.untrackHoldingNothingTracked(young, Kind.Tuple);
  }

  /** Dicts holding nothing that may be tracked stop being tracked (_PyDict_MaybeUntrack).
   * `length` is how many objects `young` holds; returns how many stay. */
  private untrackDicts(young: GcNode, length: number): number {
    return this.trackedDicts === 0 ? length : this.untrackHoldingNothingTracked(young, Kind.Dict);
  }

  private untrackHoldingNothingTracked(young: GcNode, kind: Kind.Tuple | Kind.Dict): number {
    let survivors = 0;
    let node = young.gcNext!;
    while (node !== young) {
      const next = node.gcNext!;
      const obj = node as PyObject;
      survivors++;
      if (
        obj.kind === kind &&
        obj.cls.name === KINDS[kind].typeName &&
        !this.holdsMaybeTracked(untrackCandidates(obj, false)) &&
        !this.holdsMaybeTracked(untrackCandidates(obj, true))
      ) {
        this.untrack(obj);
        survivors--;
      }
      node = next;
    }
    return survivors;
  }

  /** Any of the values could be part of a cycle (_PyObject_GC_MAY_BE_TRACKED). */
  private holdsMaybeTracked(values: readonly (PyObject | null | undefined)[] | null): boolean {
    if (values === null) return false;
    for (let i = 0; i < values.length; i++) if (mayBeTracked(values[i])) return true;
    return false;
  }

  private moveLegacyFinalizers(unreachable: GcNode, finalizers: GcNode): void {
    let node = unreachable.gcNext!;
    while (node !== unreachable) {
      const next = node.gcNext!;
      const obj = node as PyObject;
      obj.unreachable = false;
      if (obj.cls.finalizer === FinalizerKind.Legacy) {
        obj.collecting = false;
        move(obj, finalizers);
      }
      node = next;
    }
  }

  /** Everything reachable from a legacy finalizer is uncollectable too (the list grows as we walk). */
  private moveLegacyFinalizerReachable(finalizers: GcNode): void {
    for (let node = finalizers.gcNext!; node !== finalizers; node = node.gcNext!) this.traverse(node as PyObject, Visit.Move, finalizers);
  }

  /** Clears every weakref to garbage and every weakref that is garbage; then calls the callbacks
   * of the cleared weakrefs that are not garbage themselves (a callback must not see, or
   * resurrect, objects that are about to be cleared). */
  private handleWeakrefs(unreachable: GcNode, old: GcNode): number {
    const heap = this.heap;
    const toCall = newList();
    for (let node = unreachable.gcNext!; node !== unreachable; ) {
      const obj = node as PyObject;
      const next = node.gcNext!;
      if (obj.kind === Kind.Weakref) heap.clearWeakref(obj);
      const list = obj.weakrefs;
      while (list !== null && list.length > 0) {
        const wr = list[0]!;
        heap.clearWeakref(wr);
        if (!wr.hasCallback || wr.collecting) continue;
        wr.refcount++; // so that wr cannot go away before its callback ran
        move(wr, toCall);
      }
      node = next;
    }

    let freed = 0;
    for (let wr = first(toCall); wr !== null; wr = first(toCall)) {
      this.pythonCalls++;
      heap.callWeakrefCallback(wr, wr.callback!);
      heap.decref(wr);
      if (toCall.gcNext === wr) move(wr, old);
      else freed++;
    }
    return freed;
  }

  /** PEP 442: each finalizer runs once, on an object that is still intact. */
  private finalizeGarbage(collectable: GcNode): void {
    const heap = this.heap;
    const seen = newList();
    for (let obj = first(collectable); obj !== null; obj = first(collectable)) {
      move(obj, seen);
      const fin = obj.cls.finalizer;
      if (!obj.finalized && (fin === FinalizerKind.Del || fin === FinalizerKind.Resurrect)) {
        this.pythonCalls++;
        heap.incref(obj);
        heap.callFinalizer(obj);
        heap.decref(obj);
      }
    }
    merge(seen, collectable);
  }

  /** Finalizers may have made garbage reachable again: recompute, and what is referenced from
   * outside now survives into the old generation with everything it reaches. Returns how many
   * objects are still unreachable (the collected ones). */
  private handleResurrectedObjects(unreachable: GcNode, stillUnreachable: GcNode, old: GcNode, pythonRan: boolean): number {
    if (pythonRan) {
      for (let node = unreachable.gcNext!; node !== unreachable; node = node.gcNext!) (node as PyObject).collecting = false;
      this.deduceUnreachable(unreachable, stillUnreachable);
    } else {
      // No callback or finalizer ran, so every refcount is what deduce_unreachable saw: it would
      // find all of `unreachable` unreachable again, in the same order, with the same flags.
      merge(unreachable, stillUnreachable);
    }
    let n = 0;
    for (let node = stillUnreachable.gcNext!; node !== stillUnreachable; node = node.gcNext!) {
      (node as PyObject).unreachable = false;
      n++;
    }
    merge(unreachable, old);
    return n;
  }

  /** tp_clear on each object (or, with DEBUG_SAVEALL, into gc.garbage); an object that survives
   * its clearing moves to the old generation and may die later. */
  private deleteGarbage(collectable: GcNode, old: GcNode): void {
    const heap = this.heap;
    this.deletingGarbage = true;
    for (let obj = first(collectable); obj !== null; obj = first(collectable)) {
      if (this.saveall) {
        heap.appendGarbage(obj);
      } else {
        heap.incref(obj);
        heap.clearReferences(obj);
        heap.decref(obj);
      }
      if (collectable.gcNext === obj) {
        // Still alive: it moves to the old generation and may die later.
        obj.collecting = false; // gc_clear_collecting
        move(obj, old);
      }
    }
    this.deletingGarbage = false;
  }

  /** Returns how many objects were uncollectable. */
  private handleLegacyFinalizers(finalizers: GcNode, old: GcNode): number {
    let n = 0;
    for (let node = finalizers.gcNext!; node !== finalizers; node = node.gcNext!) {
      const obj = node as PyObject;
      if (this.saveall || obj.cls.finalizer === FinalizerKind.Legacy) this.heap.appendGarbage(obj);
      n++;
    }
    merge(finalizers, old);
    return n;
  }

  /** Generation-2 collections free the list, dict and tuple freelists (each PyObject_GC_Del). */
  private clearFreelists(): void {
    let freed = this.listFreelist + this.dictFreelist;
    for (let n = 1; n <= this.freelistSizes.tupleMaxSaveSize; n++) {
      freed += this.tupleFreelists[n]!;
      this.tupleFreelists[n] = 0;
    }
    this.listFreelist = 0;
    this.dictFreelist = 0;
    this.count[0] = Math.max(0, this.count[0] - freed);
  }

  /** tp_traverse(obj, visit, arg): calls the visitor on each object `obj` references, in
   * CPython's order (layout.ts). The visitor is a constant rather than a function, so that V8
   * inlines one specialised loop into each step instead of calling through a pointer per reference. */
  private traverse(obj: PyObject, visit: Visit, arg: GcNode): void {
    const referents = this.referents;
    const n = traverse(obj, referents);
    for (let i = 0; i < n; i++) this.visit(referents[i]!, visit, arg);
  }

  /** The visitprocs. Atomic objects are never collecting, so each passes over them as CPython's
   * pass over non-GC objects. */
  private visit(r: PyObject, visit: Visit, arg: GcNode): void {
    switch (visit) {
      case Visit.Decref:
        if (r.collecting) r.gcRefs--;
        return;
      case Visit.Reachable:
        return this.visitReachable(r, arg);
      case Visit.Move:
        if (r.collecting) {
          move(r, arg);
          r.collecting = false;
        }
        return;
    }
  }
}
