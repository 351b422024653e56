// The synthetic workloads of docs/performance.md, generated from a seed so every run measures the same events.
// Each generator yields the header and then the events one by one, so a 10M-event trace is written
// as a stream and never held in memory.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; same seed, same workload. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NODE_TYPES = { Node: { size: 56 } };

/**
 * A chain of `n` nodes built one at a time (`head = Node(next=head)`) and dropped with one `del`:
 * n allocations, automatic collections of a growing, fully reachable heap, then a deallocation
 * cascade n deep (CPython's trashcan).
 */
export function* chain(n) {
  yield {
    version: 1,
    name: `chain-${n}`,
    types: NODE_TYPES,
    source: {
      file: 'chain.py',
      lines: ['head = None', `for i in range(${n}):`, '    head = Node(next=head)', 'snapshot("peak")', 'del head'],
    },
  };
  yield { op: 'bind', name: 'head', to: null, line: 1 };
  for (let i = 0; i < n; i++) yield { op: 'alloc', id: `n${i}`, type: 'Node', fields: { next: '$head' }, as: 'head', line: 3 };
  yield { op: 'snapshot', label: 'peak', line: 4 };
  yield { op: 'unbind', name: 'head', line: 5 };
}

/**
 * A random graph of `n` nodes and 3n - 1 references: every node is appended to a list and points at
 * a random older node (`a`, all but the first), then each node's `b` points at a random node, which
 * closes cycles. A full collection runs with
 * everything reachable (the "1M objects / 3M references" target), then the list is dropped and a
 * second full collection frees the cycles refcounting left.
 */
export function* graph(n, seed = 1) {
  const random = prng(seed);
  yield {
    version: 1,
    name: `graph-${n}`,
    types: NODE_TYPES,
    source: {
      file: 'graph.py',
      lines: [
        'import gc, random',
        'nodes = []',
        `for i in range(${n}):`,
        '    nodes.append(Node(a=random.choice(nodes) if nodes else None))',
        'for node in nodes:',
        '    node.b = random.choice(nodes)',
        'snapshot("peak")',
        'gc.collect()',
        'del nodes',
        'gc.collect()',
      ],
    },
  };
  yield { op: 'alloc', id: 'nodes', type: 'list', as: 'nodes', line: 2 };
  for (let i = 0; i < n; i++) {
    const event = { op: 'alloc', id: `n${i}`, type: 'Node', into: { obj: 'nodes' }, line: 4 };
    if (i > 0) event.fields = { a: `n${Math.floor(random() * i)}` };
    yield event;
  }
  for (let i = 0; i < n; i++) yield { op: 'ref', from: `n${i}`, to: `n${Math.floor(random() * n)}`, field: 'b', line: 6 };
  yield { op: 'snapshot', label: 'peak', line: 7 };
  yield { op: 'gc.collect', line: 8 };
  yield { op: 'unbind', name: 'nodes', line: 9 };
  yield { op: 'gc.collect', line: 10 };
}

const SLOTS = 16;

/**
 * `events` events of a long-running program's churn: objects replace each other in the 16 slots of a
 * holder (each replacement frees the old one), temporaries die at once, a scratch list is rebuilt
 * and filled, a few names hold objects, and some slot pairs point at each other so automatic
 * collections find cycles. Live objects stay in the tens; allocations run into the millions.
 */
export function* churn(events, seed = 1) {
  const random = prng(seed);
  yield {
    version: 1,
    name: `churn-${events}`,
    types: NODE_TYPES,
    source: {
      file: 'churn.py',
      lines: [
        'h = Node()',
        'scratch = []',
        'while True:',
        '    setattr(h, f"s{k}", Node())',
        '    bytes(n)',
        '    scratch = []',
        '    scratch.append(getattr(h, f"s{k}"))',
        '    v = getattr(h, f"s{k}")',
        '    getattr(h, f"s{j}").peer = getattr(h, f"s{k}")',
        '    pass',
      ],
    },
  };
  yield { op: 'alloc', id: 'h', type: 'Node', as: 'h', line: 1 };
  yield { op: 'alloc', id: 'scratch0', type: 'list', as: 'scratch', line: 2 };
  /** The id in each slot of h (null: empty). Only slot objects are referred to: they are alive. */
  const slots = new Array(SLOTS).fill(null);
  let next = 0;
  let filled = 0;
  for (let e = 2; e < events; e++) {
    const r = random();
    const k = Math.floor(random() * SLOTS);
    if (r < 0.4 || filled < SLOTS) {
      const id = `c${next++}`;
      if (slots[k] === null) filled++;
      slots[k] = id;
      yield { op: 'alloc', id, type: 'Node', into: { obj: 'h', field: `s${k}` }, line: 4 };
    } else if (r < 0.6) {
      yield { op: 'alloc', id: `t${next++}`, type: 'bytes', size: 33 + Math.floor(random() * 600), line: 5 };
    } else if (r < 0.7) {
      yield { op: 'alloc', id: `scratch${next++}`, type: 'list', as: 'scratch', line: 6 };
    } else if (r < 0.85) {
      yield { op: 'ref', from: '$scratch', to: slots[k], line: 7 };
    } else if (r < 0.93) {
      yield { op: 'bind', name: `v${k & 7}`, to: slots[k], line: 8 };
    } else if (r < 0.98) {
      yield { op: 'ref', from: slots[Math.floor(random() * SLOTS)], to: slots[k], field: 'peer', line: 9 };
    } else {
      yield { op: 'line', line: 10 };
    }
  }
}

/** Containers per group in the `…-spread` workloads: the same events as the one-container form,
 * each container holding this many keys or items at most. */
const SPREAD = 1000;

/**
 * `n` str keys set in one dict (`d[f"k{i}"] = Node()`), then deleted one by one in the order they
 * were set: a dict that grows to n entries, every deletion leaving a dummy entry. With `spread`,
 * the same events go to n / 1000 dicts of 1000 keys each (the figure a large dict is held to).
 */
export function* dict(n, spread = false) {
  const groups = spread ? Math.ceil(n / SPREAD) : 1;
  const per = Math.ceil(n / groups);
  yield {
    version: 1,
    name: `dict${spread ? '-spread' : ''}-${n}`,
    types: NODE_TYPES,
    source: {
      file: 'dict.py',
      lines: [
        `ds = [{} for _ in range(${groups})]`,
        `for i in range(${n}):`,
        `    ds[i // ${per}][f"k{i}"] = Node()`,
        'snapshot("peak")',
        `for i in range(${n}):`,
        `    del ds[i // ${per}][f"k{i}"]`,
        'del ds',
      ],
    },
  };
  for (let g = 0; g < groups; g++) yield { op: 'alloc', id: `d${g}`, type: 'dict', as: `d${g}`, line: 1 };
  for (let i = 0; i < n; i++) yield { op: 'alloc', id: `n${i}`, type: 'Node', into: { obj: `$d${Math.floor(i / per)}`, field: `k${i}` }, line: 3 };
  yield { op: 'snapshot', label: 'peak', line: 4 };
  for (let i = 0; i < n; i++) yield { op: 'unref', from: `$d${Math.floor(i / per)}`, field: `k${i}`, line: 6 };
  for (let g = 0; g < groups; g++) yield { op: 'unbind', name: `d${g}`, line: 7 };
}

/**
 * `n` objects added to one set (`s.add(Node())`), then discarded in the order they were added. With
 * `spread`, the same events go to n / 1000 sets of 1000 items each.
 */
export function* set(n, spread = false) {
  const groups = spread ? Math.ceil(n / SPREAD) : 1;
  const per = Math.ceil(n / groups);
  yield {
    version: 1,
    name: `set${spread ? '-spread' : ''}-${n}`,
    types: NODE_TYPES,
    source: {
      file: 'set.py',
      lines: [
        `ss = [set() for _ in range(${groups})]`,
        `for i in range(${n}):`,
        `    ss[i // ${per}].add(Node())`,
        'snapshot("peak")',
        `for i in range(${n}):`,
        `    ss[i // ${per}].discard(node_i)`,
        'del ss',
      ],
    },
  };
  for (let g = 0; g < groups; g++) yield { op: 'alloc', id: `s${g}`, type: 'set', as: `s${g}`, line: 1 };
  for (let i = 0; i < n; i++) yield { op: 'alloc', id: `n${i}`, type: 'Node', into: { obj: `$s${Math.floor(i / per)}` }, line: 3 };
  yield { op: 'snapshot', label: 'peak', line: 4 };
  for (let i = 0; i < n; i++) yield { op: 'unref', from: `$s${Math.floor(i / per)}`, to: `n${i}`, line: 6 };
  for (let g = 0; g < groups; g++) yield { op: 'unbind', name: `s${g}`, line: 7 };
}

/**
 * A graph of `n` nodes and 3n references written as one `repeat` (the file stays a few hundred
 * bytes whatever n is): each node goes into a list, points at the previous node and at itself, so
 * every node is in a cycle. A full collection with everything reachable, then the names go and a
 * second full collection frees all n nodes.
 */
export function* loop(n) {
  yield {
    version: 1,
    name: `loop-${n}`,
    types: NODE_TYPES,
    source: {
      file: 'loop.py',
      lines: [
        'import gc',
        'nodes, prev = [], None',
        `for i in range(${n}):`,
        '    nodes.append(Node(prev=prev))',
        '    nodes[-1].me = nodes[-1]',
        '    prev = nodes[-1]',
        'snapshot("peak")',
        'gc.collect()',
        'del nodes, prev',
        'gc.collect()',
      ],
    },
  };
  yield { op: 'alloc', id: 'nodes', type: 'list', as: 'nodes', line: 2 };
  yield { op: 'bind', name: 'prev', to: null, line: 2 };
  yield {
    op: 'repeat',
    count: n,
    body: [
      { op: 'alloc', id: 'n{i}', type: 'Node', fields: { prev: '$prev' }, into: { obj: '$nodes' }, line: 4 },
      { op: 'ref', from: 'n{i}', to: 'n{i}', field: 'me', line: 5 },
      { op: 'bind', name: 'prev', to: 'n{i}', line: 6 },
    ],
  };
  yield { op: 'snapshot', label: 'peak', line: 7 };
  yield { op: 'gc.collect', line: 8 };
  yield { op: 'unbind', name: 'nodes', line: 9 };
  yield { op: 'unbind', name: 'prev', line: 9 };
  yield { op: 'gc.collect', line: 10 };
}

export const GENERATORS = {
  chain,
  graph,
  churn,
  dict: (n) => dict(n, false),
  'dict-spread': (n) => dict(n, true),
  set: (n) => set(n, false),
  'set-spread': (n) => set(n, true),
  loop,
};

/** Writes a workload: one JSON document, or NDJSON (header line, then one event per line). */
export async function writeWorkload(file, generator, ndjson) {
  const out = createWriteStream(file);
  let chunk = '';
  let index = 0;
  for (const item of generator) {
    const json = JSON.stringify(item);
    if (ndjson) chunk += `${json}\n`;
    else if (index === 0) chunk += `${json.slice(0, -1)},"events":[\n`;
    else chunk += `${index === 1 ? '' : ','}${json}\n`;
    index++;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  if (!ndjson) chunk += ']}\n';
  out.end(chunk);
  await once(out, 'finish');
  return index - 1;
}
