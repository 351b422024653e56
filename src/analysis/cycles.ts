// Leaked cycles (SPEC §6): the `cyclic` objects grouped into strongly connected components (Tarjan's
// algorithm on explicit stacks, so a cycle of a million objects needs no deep recursion), each
// component that nothing else holds being one leaked cycle together with everything it alone holds.
import type { PyObject } from '../heap/object.js';
import type { CycleStep, LeakedCycle, SiteCount, TypeCount } from '../report/model.js';
import { LeakClass, referenceLabel, strongReferences, type HeapClassification } from './leaks.js';

/** Ids listed per leaked cycle; `objects` has the full count. */
export const MAX_CYCLE_IDS = 50;

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

  // References between cyclic objects, as compressed rows.
  const references: PyObject[] = [];
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) {
    strongReferences(objects[nodes[i]!]!, references);
    let degree = 0;
    for (const r of references) if (localOf[r.handle]! >= 0) degree++;
    offsets[i + 1] = offsets[i]! + degree;
  }
  const targets = new Int32Array(offsets[count]!);
  for (let i = 0, k = 0; i < count; i++) {
    strongReferences(objects[nodes[i]!]!, references);
    for (const r of references) {
      const local = localOf[r.handle]!;
      if (local >= 0) targets[k++] = local;
    }
  }

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
export function describeLeakedCycles(c: HeapClassification, lineText: (file: string, line: number) => string): LeakedCycle[] {
  const groups = findCycleGroups(c);
  const objects = c.heap.objects;
  const { nodes, group, groupComponent } = groups;
  const cycles: (LeakedCycle & { firstHandle: number })[] = groupComponent.map(() => ({
    objects: 0,
    bytes: 0,
    firstEvent: -1,
    firstHandle: -1,
    ids: [],
    types: [],
    lines: [],
    path: null,
    steps: [],
  }));
  const types = groupComponent.map(() => new Map<string, TypeCount>());
  const lines = groupComponent.map(() => new Map<string, SiteCount>());
  for (let i = 0; i < nodes.length; i++) {
    const obj = objects[nodes[i]!]!;
    const g = group[i]!;
    const cycle = cycles[g]!;
    cycle.bytes += obj.size;
    if (obj.implicit) continue;
    cycle.objects++;
    if (cycle.firstHandle === -1) {
      cycle.firstHandle = obj.handle;
      cycle.firstEvent = obj.allocEvent;
    }
    if (cycle.ids.length < MAX_CYCLE_IDS) cycle.ids.push(obj.id);
    countInto(types[g]!, obj.typeName, { type: obj.typeName, objects: 0, bytes: 0 }, obj.size);
    countInto(lines[g]!, `${obj.allocFile}:${obj.allocLine}`, { file: obj.allocFile, line: obj.allocLine, content: lineText(obj.allocFile, obj.allocLine), objects: 0, bytes: 0 }, obj.size);
  }
  // A materialised __dict__ counts its bytes with its owner's type and line.
  for (let i = 0; i < nodes.length; i++) {
    const obj = objects[nodes[i]!]!;
    if (!obj.implicit || obj.owner === null) continue;
    const owner = obj.owner;
    const type = types[group[i]!]!.get(owner.typeName);
    const line = lines[group[i]!]!.get(`${owner.allocFile}:${owner.allocLine}`);
    if (type !== undefined) type.bytes += obj.size;
    if (line !== undefined) line.bytes += obj.size;
  }
  cycles.forEach((cycle, g) => {
    cycle.types = [...types[g]!.values()].sort(byBytes((t) => t.type));
    cycle.lines = [...lines[g]!.values()].sort(byBytes((s) => `${s.file}:${String(s.line).padStart(10, '0')}`));
    cycle.steps = examplePath(groups, groupComponent[g]!, objects);
    cycle.path = formatCyclePath(cycle.steps);
  });
  cycles.sort((a, b) => b.bytes - a.bytes || a.firstHandle - b.firstHandle);
  return cycles.map(({ firstHandle: _, ...cycle }) => cycle);
}

function countInto<T extends { objects: number; bytes: number }>(map: Map<string, T>, key: string, fresh: T, bytes: number): void {
  let entry = map.get(key);
  if (entry === undefined) map.set(key, (entry = fresh));
  entry.objects++;
  entry.bytes += bytes;
}

/** Largest bytes first, then by key: deterministic. */
export function byBytes<T extends { bytes: number }>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => b.bytes - a.bytes || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

/**
 * A shortest cycle through the component's first-allocated workload object: breadth first inside
 * the component until a reference leads back to it. Empty when the component is one object that
 * does not refer to itself (it is held by nothing cyclic: its leak is not a cycle).
 */
function examplePath(groups: CycleGroups, k: number, objects: PyObject[]): CycleStep[] {
  const { nodes, offsets, targets, component, componentStart, members } = groups;
  let startNode = members[componentStart[k]!]!;
  for (let m = componentStart[k]!; m < componentStart[k + 1]!; m++) {
    if (!objects[nodes[members[m]!]!]!.implicit) {
      startNode = members[m]!;
      break;
    }
  }
  const previous = new Map<number, number>();
  const queue = [startNode];
  let last = -1;
  search: for (let q = 0; q < queue.length; q++) {
    const v = queue[q]!;
    for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
      const w = targets[e]!;
      if (w === startNode) {
        last = v;
        break search;
      }
      if (component[w] !== k || previous.has(w)) continue;
      previous.set(w, v);
      queue.push(w);
    }
  }
  if (last === -1) return [];
  const path: number[] = [];
  for (let v = last; v !== startNode; v = previous.get(v)!) path.push(v);
  path.push(startNode);
  path.reverse();

  // One step per workload object: a materialised __dict__'s key is shown as its owner's attribute.
  const steps: CycleStep[] = [];
  for (let p = 0; p < path.length; p++) {
    const obj = objects[nodes[path[p]!]!]!;
    const next = objects[nodes[path[(p + 1) % path.length]!]!]!;
    const via = referenceLabel(obj, next);
    if (obj.implicit && obj.owner !== null && steps.length > 0) {
      steps[steps.length - 1]!.via += via;
      continue;
    }
    steps.push({ id: obj.id, type: obj.typeName, file: obj.allocFile, line: obj.allocLine, via });
  }
  return steps;
}

/** `Node@cache.py:12 .next → Node@cache.py:13 .prev → back`. */
export function formatCyclePath(steps: CycleStep[]): string | null {
  if (steps.length === 0) return null;
  return `${steps.map((s) => `${s.type}@${s.file}:${s.line} ${s.via}`).join(' → ')} → back`;
}

