// Leaked cycles (docs/model.md, "Leaks"): the `cyclic` objects grouped into strongly connected
// components (Tarjan's algorithm on explicit stacks, so a cycle of a million objects needs no deep
// recursion), each component that nothing else holds being one leaked cycle together with everything
// it alone holds.
import { referenceLabel, referencesInReadingOrder } from '../heap/layout.js';
import type { PyObject } from '../heap/object.js';
import type { CycleShape, CycleStep } from '../model/report.js';
import { LeakClass, type HeapClassification } from './classify.js';
import { SiteTallies, type LineText } from './sites.js';

/** Ids listed per example cycle; `objects` has the full count. */
export const MAX_CYCLE_IDS = 50;
/** Steps of a long cycle kept from its start and from its end. */
export const PATH_HEAD = 4;
export const PATH_TAIL = 3;

/** The cyclic objects as a graph of their own, and the leaked cycle each one belongs to. */
export interface CycleGroups {
  /** Handles of the cyclic objects, in allocation order; positions in it are node numbers. */
  nodes: Int32Array;
  /** References between cyclic objects (compressed rows: node i's targets are targets[offsets[i]..offsets[i+1]]). */
  offsets: Int32Array;
  targets: Int32Array;
  /** Strongly connected component of each node. */
  component: Int32Array;
  /** Nodes by component: component k's are members[componentStart[k]..componentStart[k+1]], in node order. */
  componentStart: Int32Array;
  members: Int32Array;
  /** Leaked cycle of each node. */
  group: Int32Array;
  /** Per leaked cycle: the component that holds the rest (no other cyclic object refers to it). */
  groupComponent: number[];
}

/** Finds the strongly connected components of the cyclic objects and groups them into leaked cycles. */
export function findCycleGroups(c: HeapClassification): CycleGroups {
  const objects = c.heap.objects;
  const localOf = new Int32Array(objects.length).fill(-1);
  let count = 0;
  for (let i = 0; i < c.order.length; i++) if (c.classOf[c.order[i]!] === LeakClass.Cyclic) count++;
  const nodes = new Int32Array(count);
  count = 0;
  // Allocation order (handles ascend) makes node numbers, and so everything below, deterministic.
  for (let h = 0; h < objects.length; h++) {
    if (c.classOf[h] === LeakClass.Cyclic) {
      localOf[h] = count;
      nodes[count++] = h;
    }
  }

  // References between cyclic objects, as compressed rows, in one pass over the objects.
  const references: PyObject[] = [];
  const offsets = new Int32Array(count + 1);
  const edges: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = referencesInReadingOrder(objects[nodes[i]!]!, references);
    for (let r = 0; r < n; r++) {
      const local = localOf[references[r]!.handle]!;
      if (local >= 0) edges.push(local);
    }
    offsets[i + 1] = edges.length;
  }
  const targets = Int32Array.from(edges);

  const component = tarjan(count, offsets, targets);

  // Tarjan numbers components in reverse topological order: a component is finished after every
  // component it refers to, so whatever holds component k has a higher number. Going from the
  // highest down, a component nobody held yet starts a leaked cycle, and each component joins the
  // earliest-allocated leaked cycle among its holders (an object several cycles share is counted once).
  let components = 0;
  for (let i = 0; i < count; i++) components = Math.max(components, component[i]! + 1);
  const start = new Int32Array(components + 1);
  for (let i = 0; i < count; i++) start[component[i]! + 1]!++;
  for (let k = 0; k < components; k++) start[k + 1]! += start[k]!;
  const members = new Int32Array(count);
  const fill = start.slice(0, components);
  for (let i = 0; i < count; i++) members[fill[component[i]!]!++] = i;

  const componentGroup = new Int32Array(components).fill(-1);
  const groupComponent: number[] = [];
  for (let k = components - 1; k >= 0; k--) {
    if (componentGroup[k] === -1) {
      componentGroup[k] = groupComponent.length;
      groupComponent.push(k);
    }
    const g = componentGroup[k]!;
    for (let m = start[k]!; m < start[k + 1]!; m++) {
      const i = members[m]!;
      for (let e = offsets[i]!; e < offsets[i + 1]!; e++) {
        const to = component[targets[e]!]!;
        if (to === k) continue;
        const current = componentGroup[to]!;
        // Groups are numbered as their first component is met; the lower number wins ties
        // below, and sorting by first allocation happens when the cycles are described.
        if (current === -1 || groupFirstNode(groupComponent, start, members, g) < groupFirstNode(groupComponent, start, members, current)) {
          componentGroup[to] = g;
        }
      }
    }
  }
  const group = new Int32Array(count);
  for (let i = 0; i < count; i++) group[i] = componentGroup[component[i]!]!;
  return { nodes, offsets, targets, component, componentStart: start, members, group, groupComponent };
}

/** The first-allocated node of a leaked cycle's holding component (members are in node order). */
function groupFirstNode(groupComponent: number[], start: Int32Array, members: Int32Array, g: number): number {
  return members[start[groupComponent[g]!]!]!;
}

/**
 * Tarjan's strongly connected components with explicit stacks: `callNode`/`callEdge` are the DFS's
 * frames (the node and how far through its references it got). Returns each node's component,
 * numbered in the order components complete.
 */
function tarjan(n: number, offsets: Int32Array, targets: Int32Array): Int32Array {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const component = new Int32Array(n).fill(-1);
  const sccStack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const onStack = new Uint8Array(n);
  let sccTop = 0;
  let nextIndex = 0;
  let nextComponent = 0;

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = offsets[root]!;
    index[root] = low[root] = nextIndex++;
    sccStack[sccTop++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth]!;
      const e = callEdge[depth]!;
      if (e < offsets[v + 1]!) {
        callEdge[depth] = e + 1;
        const w = targets[e]!;
        if (index[w] === -1) {
          index[w] = low[w] = nextIndex++;
          sccStack[sccTop++] = w;
          onStack[w] = 1;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = offsets[w]!;
        } else if (onStack[w] === 1 && index[w]! < low[v]!) {
          low[v] = index[w]!;
        }
        continue;
      }
      // v is finished: it roots a component when nothing it reaches is older than it.
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = sccStack[--sccTop]!;
          onStack[w] = 0;
          component[w] = nextComponent;
        } while (w !== v);
        nextComponent++;
      }
      depth--;
      if (depth >= 0) {
        const u = callNode[depth]!;
        if (low[v]! < low[u]!) low[u] = low[v]!;
      }
    }
  }
  return component;
}

/** The number of leaked cycles (snapshots need only that). */
export function countLeakedCycles(c: HeapClassification): number {
  return findCycleGroups(c).groupComponent.length;
}

/** The first cycles of a shape whose ids are listed; `cycles` has the full count. */
export const SHAPE_EXAMPLES = 3;

/** A shape being gathered: the first cycle's path, and totals over every cycle of the shape. */
interface ShapeTally {
  shape: CycleShape;
  firstHandle: number;
  tally: SiteTallies;
}

/**
 * The leaked cycles grouped by shape, largest first. Two cycles have one shape when they have the
 * same number of objects of each type from each allocating line, and the same cycle of types,
 * lines and references, read from its canonical start (`cyclePath` below): so 2,000 trees
 * that one loop built are one entry, however their objects were numbered.
 */
export function describeLeakedCycles(c: HeapClassification, lineText: LineText): CycleShape[] {
  const groups = findCycleGroups(c);
  const objects = c.heap.objects;
  const { nodes, group, groupComponent } = groups;
  const groupCount = groupComponent.length;

  // The nodes of each leaked cycle, in node (allocation) order.
  const groupStart = new Int32Array(groupCount + 1);
  for (let i = 0; i < nodes.length; i++) groupStart[group[i]! + 1]!++;
  for (let g = 0; g < groupCount; g++) groupStart[g + 1]! += groupStart[g]!;
  const groupNodes = new Int32Array(nodes.length);
  const fill = groupStart.slice(0, groupCount);
  for (let i = 0; i < nodes.length; i++) groupNodes[fill[group[i]!]!++] = i;

  // Cycles are met in allocation order, so a shape's first cycle is the one allocated first.
  const firstHandle = new Float64Array(groupCount);
  for (let g = 0; g < groupCount; g++) {
    firstHandle[g] = Infinity;
    for (let m = groupStart[g]!; m < groupStart[g + 1]!; m++) {
      const obj = objects[nodes[groupNodes[m]!]!]!;
      if (!obj.implicit) {
        firstHandle[g] = obj.handle;
        break;
      }
    }
  }
  const order = Array.from({ length: groupCount }, (_, g) => g).sort((a, b) => firstHandle[a]! - firstHandle[b]! || a - b);

  const scratch: PathScratch = { previous: new Int32Array(nodes.length).fill(-1), queue: new Int32Array(nodes.length), tokens: new Map() };
  const shapes = new Map<string, ShapeTally>();
  const composition = new Map<string, number>();
  for (const g of order) {
    let count = 0;
    let bytes = 0;
    let firstEvent = -1;
    const ids: string[] = [];
    composition.clear();
    for (let m = groupStart[g]!; m < groupStart[g + 1]!; m++) {
      const obj = objects[nodes[groupNodes[m]!]!]!;
      bytes += obj.size;
      if (obj.implicit) continue;
      if (count === 0) firstEvent = obj.allocEvent;
      count++;
      if (ids.length < MAX_CYCLE_IDS) ids.push(obj.id);
      const key = `${obj.allocFile}\u0000${obj.allocLine}\u0000${obj.typeName}`;
      composition.set(key, (composition.get(key) ?? 0) + 1);
    }
    const path = cyclePath(groups, groupComponent[g]!, objects, scratch);
    const parts = [...composition].map(([k, n]) => `${k}\u0000${n}`).sort();
    const key = `${count}\u0001${parts.join('\u0001')}\u0002${path.key}`;

    let entry = shapes.get(key);
    if (entry === undefined) {
      entry = {
        shape: {
          cycles: 0,
          objects: count,
          bytes: 0,
          minBytes: bytes,
          maxBytes: bytes,
          firstEvent,
          types: [],
          lines: [],
          path: null,
          pathLength: path.length,
          steps: path.steps,
          examples: [],
        },
        firstHandle: firstHandle[g]!,
        tally: new SiteTallies(lineText),
      };
      shapes.set(key, entry);
    } else {
      // Same shape, perhaps through other keys or indices: those steps say `[…]`.
      entry.shape.steps.forEach((step, k) => {
        if (step.via !== path.steps[k]!.via) step.via = '[…]';
      });
    }
    const shape = entry.shape;
    shape.cycles++;
    shape.bytes += bytes;
    shape.minBytes = Math.min(shape.minBytes, bytes);
    shape.maxBytes = Math.max(shape.maxBytes, bytes);
    if (shape.examples.length < SHAPE_EXAMPLES) shape.examples.push({ firstEvent, ids });
    for (let m = groupStart[g]!; m < groupStart[g + 1]!; m++) entry.tally.add(objects[nodes[groupNodes[m]!]!]!);
  }

  const result = [...shapes.values()];
  for (const { shape, tally } of result) {
    shape.types = tally.types();
    shape.lines = tally.sites().map((t) => t.site);
    shape.path = formatCyclePath(shape.steps, shape.pathLength);
  }
  result.sort((a, b) => b.shape.bytes - a.shape.bytes || a.firstHandle - b.firstHandle);
  return result.map((e) => e.shape);
}

/** Scratch space of the path searches, shared by all leaked cycles (each search resets only what it
 * touched), so that many small cycles cost no more than one large one. */
interface PathScratch {
  previous: Int32Array;
  queue: Int32Array;
  /** Step tokens met so far, numbered: a shape's key lists numbers, not strings. */
  tokens: Map<string, number>;
}

/** A step as a shape compares it: where and what the object is, and how the cycle leaves it
 * (any key or index alike, so that trees whose items sit at other positions still match). */
function stepToken(step: CycleStep): string {
  return `${step.file}\u0000${step.line}\u0000${step.type}\u0000${step.via.startsWith('[') ? '[]' : step.via}`;
}

function compareSteps(a: CycleStep, b: CycleStep): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  const va = a.via.startsWith('[') ? '[]' : a.via;
  const vb = b.via.startsWith('[') ? '[]' : b.via;
  return va < vb ? -1 : va > vb ? 1 : 0;
}

/**
 * The index where the lexicographically least rotation of `s` starts (the two-pointer minimum
 * expression algorithm: linear time). Equal sequences give equal rotations whatever their start.
 */
export function leastRotation(s: ArrayLike<number>): number {
  const n = s.length;
  let i = 0;
  let j = 1;
  let k = 0;
  while (i < n && j < n && k < n) {
    const a = s[(i + k) % n]!;
    const b = s[(j + k) % n]!;
    if (a === b) {
      k++;
      continue;
    }
    if (a > b) i += k + 1;
    else j += k + 1;
    if (i === j) j++;
    k = 0;
  }
  return Math.min(i, j);
}

/**
 * The cycle of a leaked cycle's holding component, in canonical form: a shortest cycle through the
 * component's least workload object (by file, line, type; the first allocated among equals),
 * breadth first, then rotated to start at its least rotation of steps. Returns the kept steps (the
 * first PATH_HEAD and the last PATH_TAIL of a longer cycle), the cycle's length in steps, and its
 * key (every step's token, in order); no steps when the component is one object that does not refer
 * to itself (it is held by nothing cyclic).
 */
function cyclePath(groups: CycleGroups, k: number, objects: (PyObject | null)[], scratch: PathScratch): { steps: CycleStep[]; length: number; key: string } {
  const { nodes, offsets, targets, component, componentStart, members } = groups;
  const { previous, queue } = scratch;
  let start = members[componentStart[k]!]!;
  let least: PyObject | null = null;
  for (let m = componentStart[k]!; m < componentStart[k + 1]!; m++) {
    const obj = objects[nodes[members[m]!]!]!;
    if (obj.implicit) continue;
    if (least === null || compareObjects(obj, least) < 0) {
      least = obj;
      start = members[m]!;
    }
  }
  let tail = 0;
  queue[tail++] = start;
  previous[start] = start;
  let last = -1;
  search: for (let head = 0; head < tail; head++) {
    const v = queue[head]!;
    for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
      const w = targets[e]!;
      if (w === start) {
        last = v;
        break search;
      }
      if (component[w] !== k || previous[w] !== -1) continue;
      previous[w] = v;
      queue[tail++] = w;
    }
  }
  const path: number[] = [];
  if (last !== -1) {
    for (let v = last; v !== start; v = previous[v]!) path.push(v);
    path.push(start);
    path.reverse();
  }
  for (let q = 0; q < tail; q++) previous[queue[q]!] = -1;

  // One step per workload object: a materialised __dict__'s key is shown as its owner's attribute.
  const all: CycleStep[] = [];
  for (let p = 0; p < path.length; p++) {
    const obj = objects[nodes[path[p]!]!]!;
    if (p !== 0 && obj.implicit && obj.owner !== null) continue;
    let via = '';
    for (let q = p; ; ) {
      const from = objects[nodes[path[q]!]!]!;
      q = (q + 1) % path.length;
      const to = objects[nodes[path[q]!]!]!;
      via += referenceLabel(from, to);
      if (q === 0 || !(to.implicit && to.owner !== null)) break;
    }
    all.push({ id: obj.id, type: obj.typeName, file: obj.allocFile, line: obj.allocLine, via });
  }

  // Rank the steps (equal steps, equal ranks) and start at the least rotation of the ranks.
  const sorted = all.map((_, i) => i).sort((a, b) => compareSteps(all[a]!, all[b]!));
  const rank = new Int32Array(all.length);
  for (let r = 1; r < sorted.length; r++) rank[sorted[r]!] = rank[sorted[r - 1]!]! + (compareSteps(all[sorted[r - 1]!]!, all[sorted[r]!]!) < 0 ? 1 : 0);
  const first = leastRotation(rank);
  const rotated = first === 0 ? all : [...all.slice(first), ...all.slice(0, first)];

  const key: number[] = [];
  for (const step of rotated) {
    const token = stepToken(step);
    let id = scratch.tokens.get(token);
    if (id === undefined) scratch.tokens.set(token, (id = scratch.tokens.size));
    key.push(id);
  }
  const steps = rotated.length > PATH_HEAD + PATH_TAIL ? [...rotated.slice(0, PATH_HEAD), ...rotated.slice(-PATH_TAIL)] : rotated;
  return { steps, length: rotated.length, key: key.join(',') };
}

/** By allocating file, line and type; the first allocated among equals. */
function compareObjects(a: PyObject, b: PyObject): number {
  if (a.allocFile !== b.allocFile) return a.allocFile < b.allocFile ? -1 : 1;
  if (a.allocLine !== b.allocLine) return a.allocLine - b.allocLine;
  if (a.typeName !== b.typeName) return a.typeName < b.typeName ? -1 : 1;
  return a.handle - b.handle;
}

/** `Node@cache.py:12 .next → Node@cache.py:13 .prev → back`; a long cycle shows its ends only. */
export function formatCyclePath(steps: CycleStep[], length = steps.length): string | null {
  if (steps.length === 0) return null;
  const text = steps.map((s) => `${s.type}@${s.file}:${s.line} ${s.via}`);
  if (length > steps.length) text.splice(PATH_HEAD, 0, `… ${length - steps.length} more …`);
  return `${text.join(' → ')} → back`;
}
