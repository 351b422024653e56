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

export const GENERATORS = { chain, graph, churn };

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
