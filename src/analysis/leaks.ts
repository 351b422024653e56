// Leak classification (SPEC §6): every live object in exactly one class, the first that applies —
// reachable from a name, frozen, uncollectable (gc.garbage), external (an incref nothing explains),
// cyclic (held only by reference cycles). One breadth-first walk per class, seeded with that class's
// roots and never entering an object an earlier class took: linear in objects + references.
import { Kind, type PyObject } from '../heap/object.js';
import type { Heap } from '../heap/heap.js';
import type { Collector } from '../gc/collector.js';
import { LEAK_CLASSES, type LeakClassName, type LeakClassTotals, type LeakSite, type LeaksReport, type TypeCount } from '../report/model.js';
import { compareSites, describeLeakedCycles, mergeTypes } from './cycles.js';
import type { PyClass } from '../heap/types.js';

export const enum LeakClass {
  Reachable = 0,
  Frozen = 1,
  Uncollectable = 2,
  External = 3,
  Cyclic = 4,
  /** Freed: in no class. */
  None = 255,
}

/** Startup objects are held by the interpreter, outside the model (SPEC §2 `startupObjects`). */
const STARTUP_TYPE = '<startup>';
const INTERPRETER_ROOT = '<interpreter>';
const FROZEN_ROOT = '<permanent generation>';
const EXTERNAL_ROOT = '<incref>';
const CYCLES_ROOT = '<reference cycles>';

/**
 * Writes the objects `obj` holds strong references to into `out` and returns how many: an instance's fields in key-table order
 * (or its materialised `__dict__`), a dict's values, list and tuple items. Atomic objects
 * are included (they hold memory), None is not, and a weakref's referent is no reference at all.
 */
export function strongReferences(obj: PyObject, out: PyObject[]): number {
  switch (obj.kind) {
    case Kind.Instance:
    case Kind.Function:
      if (obj.dict !== null) {
        out[0] = obj.dict;
        return 1;
      }
      return obj.kind === Kind.Instance ? pushValues(obj.fieldValues, out) : 0;
    case Kind.Dict:
      return pushValues(obj.fieldValues, out);
    case Kind.List:
    case Kind.Tuple: {
      // Index order (tp_traverse goes last first): the order only picks among equally short
      // paths, and `[0]` is the example a reader expects.
      const items = obj.items!;
      let n = 0;
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        if (item !== null) out[n++] = item;
      }
      return n;
    }
    default:
      return 0;
  }
}

function pushValues(values: (PyObject | null | undefined)[], out: PyObject[]): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== undefined && v !== null) out[n++] = v;
  }
  return n;
}

/**
 * How `holder` refers to `target`, as Python code would spell the access: `.next`, `['k']`, `[3]`.
 * A materialised `__dict__` is not shown: the instance → dict hop is `''` and the dict's key is an
 * attribute (`.name`). The first such reference in traversal order.
 */
export function referenceLabel(holder: PyObject, target: PyObject): string {
  switch (holder.kind) {
    case Kind.Instance:
    case Kind.Function:
      if (holder.dict === target) return '';
      if (holder.kind === Kind.Instance) {
        const values = holder.fieldValues;
        for (let i = 0; i < values.length; i++) if (values[i] === target) return `.${holder.cls.keys[i]!}`;
      }
      return '.?';
    case Kind.Dict: {
      const i = holder.fieldValues.indexOf(target);
      const key = holder.fieldNames![i] ?? '?';
      return holder.implicit && holder.owner !== null ? `.${key}` : `[${pythonString(key)}]`;
    }
    case Kind.List:
    case Kind.Tuple:
      return `[${holder.items!.indexOf(target)}]`;
    default:
      return '?';
  }
}

/** `repr()` of a str key, as Python prints it (single quotes unless the key holds one). */
function pythonString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return `${quote}${quote === "'" ? body.replace(/'/g, "\\'") : body}${quote}`;
}

/** `Node@cache.py:12`: an object as leak reports name it, by type and allocating line. */
export function describeObject(obj: PyObject): string {
  const owner = obj.implicit && obj.owner !== null ? obj.owner : obj;
  return `${owner.typeName}@${owner.allocFile}:${owner.allocLine}`;
}

/** The heap sorted into leak classes, with the walk that did it (for retention paths). */
export class HeapClassification {
  constructor(
    readonly heap: Heap,
    /** LeakClass by object handle (None for freed objects). */
    readonly classOf: Uint8Array,
    /** The object the walk reached each object from, or `-1 - r` for the root labelled rootLabels[r]. */
    readonly parent: Int32Array,
    readonly rootLabels: string[],
    /** Handles in the order the walk reached them: each class breadth first, cyclic ones last by handle. */
    readonly order: Int32Array,
    readonly totals: Record<LeakClassName, LeakClassTotals>,
  ) {}

  leaked(): LeakClassTotals {
    const t = this.totals;
    return {
      objects: t.uncollectable.objects + t.external.objects + t.cyclic.objects,
      bytes: t.uncollectable.bytes + t.external.bytes + t.cyclic.bytes,
    };
  }
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
      const count = strongReferences(holder, references);
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
  return new HeapClassification(heap, classOf, parent, rootLabels, order.subarray(0, tail), totals);
}

/** Accessors shown at each end of a long retention path; the middle is summarised. */
const PATH_ENDS = 4;

/**
 * The walk's path to `handle` from its root, which for the reachable class is a shortest one
 * (breadth first from every name at once): `cache → .entries[3] → Node@cache.py:12`.
 */
export function retentionPath(c: HeapClassification, handle: number): string {
  const objects = c.heap.objects;
  const accessors: string[] = [];
  let hops = 0;
  let at = handle;
  // Walk up to the root; only the accessors near each end are kept, so a path a million hops long
  // costs a million steps and a few strings.
  const tailAccessors: string[] = [];
  for (let p = c.parent[at]!; p >= 0; at = p, p = c.parent[at]!) {
    hops++;
    const label = referenceLabel(objects[p]!, objects[at]!);
    if (tailAccessors.length < PATH_ENDS) tailAccessors.push(label);
    else {
      accessors.push(label);
      if (accessors.length > PATH_ENDS) accessors.shift();
    }
  }
  const r = -1 - c.parent[at]!;
  const root = r >= 0 && r < c.rootLabels.length ? c.rootLabels[r]! : '<unknown>';
  const skipped = hops - tailAccessors.length - accessors.length;
  const middle = skipped > 0 ? `…(${skipped} more)…` : '';
  const chain = accessors.reverse().join('') + middle + tailAccessors.reverse().join('');
  const target = describeObject(objects[handle]!);
  return chain === '' ? `${root} → ${target}` : `${root} → ${chain} → ${target}`;
}

export type LineText = (file: string, line: number) => string;

interface SiteTally {
  site: LeakSite;
  types: Map<PyClass, TypeCount>;
  /** The first object of the site in walk order (for the reachable class, the nearest to a root). */
  first: number;
  passes: Set<number> | null;
}

/** Tallies by file, then line: no string is built per object. */
export type SiteTallies = Map<string, Map<number, SiteTally>>;

/** Adds an object to its allocating line's tally; a materialised __dict__ adds its bytes to its owner's. */
export function tallySite(sites: SiteTallies, obj: PyObject, lineText: LineText, pass: number): void {
  const site = obj.implicit ? obj.owner : obj;
  if (site === null) return;
  let byLine = sites.get(site.allocFile);
  if (byLine === undefined) sites.set(site.allocFile, (byLine = new Map()));
  let tally = byLine.get(site.allocLine);
  if (tally === undefined) {
    tally = {
      site: { file: site.allocFile, line: site.allocLine, content: lineText(site.allocFile, site.allocLine), objects: 0, bytes: 0, types: [] },
      types: new Map(),
      first: site.handle,
      passes: pass >= 0 ? new Set() : null,
    };
    byLine.set(site.allocLine, tally);
  }
  let type = tally.types.get(site.cls);
  if (type === undefined) tally.types.set(site.cls, (type = { type: site.typeName, objects: 0, bytes: 0 }));
  const counted = obj.implicit ? 0 : 1;
  tally.site.objects += counted;
  tally.site.bytes += obj.size;
  type.objects += counted;
  type.bytes += obj.size;
  if (pass >= 0) tally.passes!.add(pass);
}

function siteList(sites: SiteTallies): SiteTally[] {
  const list = [...sites.values()].flatMap((byLine) => [...byLine.values()]);
  for (const t of list) t.site.types = mergeTypes(t.types.values());
  return list.sort((a, b) => b.site.bytes - a.site.bytes || compareSites(a.site, b.site));
}

/** Tallies, by allocating line, the objects the cyclic collector freed, as they are freed (freed
 * objects are not kept). */
export function gcFreedTally(lineText: LineText): { sites: SiteTallies; record: (obj: PyObject, pass: number) => void } {
  const sites: SiteTallies = new Map();
  return { sites, record: (obj, pass) => tallySite(sites, obj, lineText, pass) };
}

/** The `leaks` section of the report: classes, their allocating lines, leaked cycles, gc-freed lines. */
export function buildLeaksReport(c: HeapClassification, lineText: LineText, gcFreed: SiteTallies): LeaksReport {
  const objects = c.heap.objects;
  const byClass = LEAK_CLASSES.map((): SiteTallies => new Map());
  for (let i = 0; i < c.order.length; i++) {
    const obj = objects[c.order[i]!]!;
    tallySite(byClass[c.classOf[obj.handle]!]!, obj, lineText, -1);
  }
  const sites = byClass.map(siteList);


  const plain = (k: LeakClass): LeakSite[] => sites[k]!.map((t) => t.site);
  const t = c.totals;
  return {
    reachable: { ...t.reachable, sites: sites[LeakClass.Reachable]!.map((s) => ({ ...s.site, retention: retentionPath(c, s.first) })) },
    frozen: { ...t.frozen, sites: plain(LeakClass.Frozen) },
    uncollectable: { ...t.uncollectable, sites: plain(LeakClass.Uncollectable) },
    external: { ...t.external, sites: plain(LeakClass.External) },
    cyclic: { ...t.cyclic, sites: plain(LeakClass.Cyclic), cycles: describeLeakedCycles(c, lineText) },
    gcFreedBySite: siteList(gcFreed).map((s) => ({ ...s.site, passes: [...s.passes!].sort((a, b) => a - b) })),
  };
}
