// Leaked cycles (docs/model.md, "Leaks"): the `cyclic` objects grouped into strongly connected
// components (Tarjan's algorithm on explicit stacks, so a cycle of a million objects needs no deep
// recursion), each component that nothing else holds being one leaked cycle together with everything
// it alone holds.
import { referenceLabel, referencesInReadingOrder } from '../heap/layout.js';
import type { PyObject } from '../heap/object.js';
import type { CycleStep, LeakedCycle } from '../model/report.js';
import { LeakClass, type HeapClassification } from './classify.js';
import { SiteTallies, type LineText } from './sites.js';

/** Ids listed per leaked cycle; `objects` has the full count. */
export const MAX_CYCLE_IDS = 50;
/** Steps of a long example cycle kept from its start and from its end. */
const PATH_HEAD = 4;
const PATH_TAIL = 3;

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

/** Each leaked cycle's objects, bytes, types, allocating lines and an example path; largest first. */
export function describeLeakedCycles(c: HeapClassification, lineText: LineText): LeakedCycle[] {
  const groups = findCycleGroups(c);
  const objects = c.heap.objects;
  const { nodes, group, groupComponent } = groups;
  const tallies = groupComponent.map(() => new SiteTallies(lineText));
  const cycles: (LeakedCycle & { firstHandle: number })[] = groupComponent.map(() => ({
    objects: 0,
    bytes: 0,
    firstEvent: -1,
    firstHandle: -1,
    ids: [],
    types: [],
    lines: [],
    path: null,
    pathLength: 0,
    steps: [],
  }));
  const scratch: PathScratch = { previous: new Int32Array(nodes.length).fill(-1), queue: new Int32Array(nodes.length) };
  for (let i = 0; i < nodes.length; i++) {
    const obj = objects[nodes[i]!]!;
    const g = group[i]!;
    const cycle = cycles[g]!;
    cycle.bytes += obj.size;
    tallies[g]!.add(obj);
    if (obj.implicit) continue;
    cycle.objects++;
    if (cycle.firstHandle === -1) {
      cycle.firstHandle = obj.handle;
      cycle.firstEvent = obj.allocEvent;
    }
    if (cycle.ids.length < MAX_CYCLE_IDS) cycle.ids.push(obj.id);
  }
  cycles.forEach((cycle, g) => {
    const tally = tallies[g]!;
    cycle.types = tally.types();
    cycle.lines = tally.sites().map(({ site: { types: _, ...line } }) => line);
    const { steps, length } = examplePath(groups, groupComponent[g]!, objects, scratch);
    cycle.pathLength = length;
    cycle.steps = steps;
    cycle.path = formatCyclePath(steps, length);
  });
  cycles.sort((a, b) => b.bytes - a.bytes || a.firstHandle - b.firstHandle);
  return cycles.map(({ firstHandle: _, ...cycle }) => cycle);
}

/** Scratch space of the example-path searches, shared by all leaked cycles (each search resets
 * only what it touched), so that many small cycles cost no more than one large one. */
interface PathScratch {
  previous: Int32Array;
  queue: Int32Array;
}

/**
 * A shortest cycle through the component's first-allocated workload object: breadth first inside
 * the component until a reference leads back to it. Returns the kept steps (the first PATH_HEAD and
 * the last PATH_TAIL of a longer cycle) and the cycle's length in steps; no steps when the component
 * is one object that does not refer to itself (it is held by nothing cyclic).
 */
function examplePath(groups: CycleGroups, k: number, objects: (PyObject | null)[], scratch: PathScratch): { steps: CycleStep[]; length: number } {
  const { nodes, offsets, targets, component, componentStart, members } = groups;
  const { previous, queue } = scratch;
  let start = members[componentStart[k]!]!;
  for (let m = componentStart[k]!; m < componentStart[k + 1]!; m++) {
    if (!objects[nodes[members[m]!]!]!.implicit) {
      start = members[m]!;
      break;
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
  const stepAt: number[] = [];
  for (let p = 0; p < path.length; p++) {
    const obj = objects[nodes[path[p]!]!]!;
    if (p === 0 || !(obj.implicit && obj.owner !== null)) stepAt.push(p);
  }
  const kept = stepAt.length > PATH_HEAD + PATH_TAIL ? [...stepAt.slice(0, PATH_HEAD), ...stepAt.slice(-PATH_TAIL)] : stepAt;
  const steps = kept.map((p): CycleStep => {
    const obj = objects[nodes[path[p]!]!]!;
    let via = '';
    for (let q = p; ; ) {
      const from = objects[nodes[path[q]!]!]!;
      q = (q + 1) % path.length;
      const to = objects[nodes[path[q]!]!]!;
      via += referenceLabel(from, to);
      if (q === 0 || !(to.implicit && to.owner !== null)) break;
    }
    return { id: obj.id, type: obj.typeName, file: obj.allocFile, line: obj.allocLine, via };
  });
  return { steps, length: stepAt.length };
}

/** `Node@cache.py:12 .next → Node@cache.py:13 .prev → back`; a long cycle shows its ends only. */
export function formatCyclePath(steps: CycleStep[], length = steps.length): string | null {
  if (steps.length === 0) return null;
  const text = steps.map((s) => `${s.type}@${s.file}:${s.line} ${s.via}`);
  if (length > steps.length) text.splice(PATH_HEAD, 0, `… ${length - steps.length} more …`);
  return `${text.join(' → ')} → back`;
}

