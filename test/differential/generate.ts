// Seeded random workloads for the differential tests: cycles, containers, weakrefs (with and without
// callbacks, some themselves garbage), finalizers that run or resurrect, legacy finalizers, saveall,
// freeze/unfreeze, small thresholds so automatic collections happen, manual collections, frames,
// names and C references. Every workload is valid: an event only names an object that is reachable
// from a live frame, the module or a C reference at that point, so neither refcounting nor any
// collection can have freed it.
//
// Sets and frozensets hold hashable objects (instances, functions, frozensets, strs, None). CPython
// orders a set's table by the items' hashes — addresses, for objects — which no workload can state
// (docs/model.md, Sets), so a generated set holds at most one object that is not a str or None: then
// the order of its items changes nothing the comparison sees. A removal leaves a dummy slot that
// CPython reuses or not depending on the hashes, so a set gets no item after one was removed.

/** mulberry32: small, fast, and the same sequence on every platform. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

type Kind = 'instance' | 'list' | 'dict' | 'tuple' | 'set' | 'frozenset' | 'function' | 'weakref' | 'atomic';

interface GenObject {
  kind: Kind;
  fields: Map<string, string | null>;
  items: (string | null)[];
  /** A set that had an item removed: it takes no more (see above). */
  removed?: boolean;
}

interface GenFrame {
  names: Map<string, string | null>;
}

export interface GeneratedWorkload {
  version: 1;
  name: string;
  python?: string;
  gc: { enabled: boolean; threshold: number[]; debug: 'saveall'[]; startupObjects: number };
  types: Record<string, { finalizer?: unknown }>;
  events: Record<string, unknown>[];
}

export interface GenerateOptions {
  /** Whether `legacy` finalizers (a C tp_del via _testcapi) may appear. */
  legacy?: boolean;
  events?: number;
  /** Whether weakref events may appear (CPython's weakref.ref() call builds an argument tuple). */
  weakrefs?: boolean;
  /** Whether gc.set_threshold may appear (it builds an argument tuple too). */
  setThreshold?: boolean;
  /** Whether gc.unfreeze may appear (it hands the interpreter's own frozen objects to generation 2). */
  unfreeze?: boolean;
}

const CLASSES = ['Node', 'Fin', 'Res', 'Leg'] as const;
const FIELDS = ['a', 'b', 'c', 'next', 'prev'];
const NAMES = ['x', 'y', 'z', 'head', 'tmp', 'obj'];
const KEYS = ['k1', 'k2', 'k3'];

export function generateWorkload(seed: number, options: GenerateOptions = {}): GeneratedWorkload {
  const rnd = new Random(seed);
  const legacy = options.legacy ?? true;
  const target = options.events ?? rnd.int(20, 70);
  const objects = new Map<string, GenObject>();
  const module: GenFrame = { names: new Map() };
  const frames: GenFrame[] = [module];
  const held: string[] = [];
  const events: Record<string, unknown>[] = [];
  let nextId = 0;
  let nextFunction = 0;

  const frame = (): GenFrame => frames[frames.length - 1]!;

  /** Objects reachable from the current frame, the module and C references (BFS). */
  const reachable = (): string[] => {
    const seen = new Set<string>();
    const queue: string[] = [];
    const add = (id: string | null): void => {
      if (id !== null && !seen.has(id)) {
        seen.add(id);
        queue.push(id);
      }
    };
    // `keep` is out of bounds: resurrecting finalizers append to it at times only CPython knows.
    for (const id of frame().names.values()) if (id !== 'keep') add(id);
    for (const id of module.names.values()) if (id !== 'keep') add(id);
    for (const id of held) add(id);
    for (let head = 0; head < queue.length; head++) {
      const obj = objects.get(queue[head]!)!;
      for (const v of obj.fields.values()) add(v);
      // No Python expression reaches a set's member: only what another path reaches can be named.
      if (obj.kind !== 'set' && obj.kind !== 'frozenset') for (const v of obj.items) add(v);
    }
    return queue;
  };

  const isSet = (o: GenObject): boolean => o.kind === 'set' || o.kind === 'frozenset';
  /** Not a str or None: an item whose place in a set's table could matter. */
  const isObject = (id: string | null): boolean => id !== null && objects.get(id)!.kind !== 'atomic';
  const hashable = (id: string | null): boolean => {
    if (id === null) return true;
    const kind = objects.get(id)!.kind;
    return kind === 'instance' || kind === 'function' || kind === 'frozenset' || kind === 'atomic';
  };
  /** Whether `set` may take `id` as a new member. */
  const canHold = (set: GenObject, id: string | null): boolean =>
    hashable(id) && !set.items.includes(id) && (!isObject(id) || !set.items.some(isObject));

  /** A reference to `id`: `$name` when a name of the frame (or an unshadowed module name) holds it. */
  const refTo = (id: string): string => {
    if (rnd.chance(0.5)) {
      for (const [name, v] of frame().names) if (v === id) return `$${name}`;
      for (const [name, v] of module.names) if (v === id && !frame().names.has(name)) return `$${name}`;
    }
    return id;
  };

  const pickReachable = (filter: (o: GenObject) => boolean): string | undefined => {
    const ids = reachable().filter((id) => filter(objects.get(id)!));
    return ids.length === 0 ? undefined : rnd.pick(ids);
  };
  const anyValue = (): string | null => {
    if (rnd.chance(0.1)) return null;
    return pickReachable(() => true) ?? null;
  };

  const bindName = (name: string, id: string | null, global: boolean): void => {
    (global ? module : frame()).names.set(name, id);
  };

  /** Where a new object goes: a name, a container, or nowhere (a temporary). */
  const placement = (id: string, event: Record<string, unknown>): void => {
    const r = rnd.next();
    if (r < 0.55) {
      const name = rnd.pick(NAMES);
      const global = frames.length > 1 && rnd.chance(0.2);
      event.as = name;
      if (global) event.global = true;
      bindName(name, id, global);
      return;
    }
    if (r < 0.85) {
      const container = pickReachable(
        (o) => o.kind === 'instance' || o.kind === 'list' || o.kind === 'dict' || o.kind === 'function' || (o.kind === 'set' && !o.removed && canHold(o, id)),
      );
      if (container !== undefined) {
        const obj = objects.get(container)!;
        if (obj.kind === 'list' || obj.kind === 'set') {
          event.into = { obj: refTo(container) };
          obj.items.push(id);
        } else {
          const field = obj.kind === 'dict' ? rnd.pick(KEYS) : rnd.pick(FIELDS);
          event.into = { obj: refTo(container), field };
          obj.fields.set(field, id);
        }
        return;
      }
    }
    // A temporary: it dies at once (or is collected later if it made a cycle).
  };

  const allocInstance = (): void => {
    const id = `n${nextId++}`;
    const cls = rnd.pick(legacy ? CLASSES : CLASSES.slice(0, 3));
    const event: Record<string, unknown> = { op: 'alloc', id, type: cls };
    const fields: Record<string, string | null> = {};
    const obj: GenObject = { kind: 'instance', fields: new Map(), items: [] };
    const n = rnd.int(0, 2);
    for (let k = 0; k < n; k++) {
      const value = anyValue();
      const field = rnd.pick(FIELDS);
      fields[field] = value === null ? null : refTo(value);
      obj.fields.set(field, value);
    }
    if (n > 0) event.fields = fields;
    events.push(event);
    objects.set(id, obj);
    placement(id, event);
  };

  const allocContainer = (): void => {
    const kind = rnd.pick(['list', 'dict', 'tuple', 'function', 'str', 'set', 'frozenset', 'str'] as const);
    const id = `${kind === 'frozenset' ? 'z' : kind[0]}${nextId++}`;
    const event: Record<string, unknown> = { op: 'alloc', id, type: kind };
    const obj: GenObject = { kind: kind === 'str' ? 'atomic' : kind, fields: new Map(), items: [] };
    if (kind === 'set' || kind === 'frozenset') {
      const n = rnd.int(0, 6);
      const items: (string | null)[] = [];
      for (let k = 0; k < n; k++) {
        const value = rnd.chance(0.1) ? null : pickReachable((o) => o.kind === 'atomic') ?? anyValue();
        if (!canHold(obj, value)) continue;
        items.push(value === null ? null : refTo(value));
        obj.items.push(value);
      }
      if (items.length > 0) event.items = items;
    } else if (kind === 'list' || kind === 'tuple') {
      const n = rnd.int(kind === 'tuple' ? 1 : 0, 3);
      const items: (string | null)[] = [];
      for (let k = 0; k < n; k++) {
        const value = anyValue();
        items.push(value === null ? null : refTo(value));
        obj.items.push(value);
      }
      if (n > 0) event.items = items;
    } else if (kind === 'dict' || kind === 'function') {
      const n = rnd.int(0, 2);
      const fields: Record<string, string | null> = {};
      for (let k = 0; k < n; k++) {
        const value = anyValue();
        const key = kind === 'dict' ? rnd.pick(KEYS) : rnd.pick(FIELDS);
        fields[key] = value === null ? null : refTo(value);
        obj.fields.set(key, value);
      }
      if (n > 0) event.fields = fields;
    }
    events.push(event);
    objects.set(id, obj);
    placement(id, event);
  };

  const addRef = (): void => {
    const from = pickReachable((o) => o.kind === 'instance' || o.kind === 'list' || o.kind === 'dict' || o.kind === 'function' || (o.kind === 'set' && !o.removed));
    if (from === undefined) return;
    const obj = objects.get(from)!;
    const to = anyValue();
    if (obj.kind === 'set' && !canHold(obj, to)) return;
    const event: Record<string, unknown> = { op: 'ref', from: refTo(from), to: to === null ? null : refTo(to) };
    if (obj.kind === 'list' || obj.kind === 'set') obj.items.push(to);
    else {
      const field = obj.kind === 'dict' ? rnd.pick(KEYS) : rnd.pick(FIELDS);
      event.field = field;
      obj.fields.set(field, to);
    }
    events.push(event);
  };

  const removeRef = (): void => {
    const named = new Set(reachable());
    const from = pickReachable(
      (o) =>
        (o.kind !== 'tuple' && !isSet(o) && o.fields.size > 0) ||
        (o.kind === 'list' && o.items.some((v) => v !== null)) ||
        (o.kind === 'set' && o.items.some((v) => v !== null && named.has(v))),
    );
    if (from === undefined) return;
    const obj = objects.get(from)!;
    if (obj.kind === 'set') {
      // The member must be reachable some other way: the export names it by that path.
      const to = rnd.pick(obj.items.filter((v): v is string => v !== null && named.has(v)));
      events.push({ op: 'unref', from: refTo(from), to: refTo(to) });
      obj.items.splice(obj.items.indexOf(to), 1);
      obj.removed = true;
      return;
    }
    if (obj.kind === 'list') {
      const candidates = obj.items.filter((v): v is string => v !== null);
      const to = rnd.pick(candidates);
      const fromRef = refTo(from);
      events.push({ op: 'unref', from: fromRef, to: refTo(to) });
      obj.items.splice(obj.items.indexOf(to), 1);
    } else {
      const field = rnd.pick([...obj.fields.keys()]);
      events.push({ op: 'unref', from: refTo(from), field });
      obj.fields.delete(field);
    }
  };

  const bindOrUnbind = (): void => {
    const f = frame();
    const bound = [...f.names.keys()].filter((n) => n !== 'keep');
    if (bound.length > 0 && rnd.chance(0.5)) {
      const name = rnd.pick(bound);
      events.push({ op: 'unbind', name });
      f.names.delete(name);
      return;
    }
    const to = anyValue();
    const name = rnd.pick(NAMES);
    events.push({ op: 'bind', name, to: to === null ? null : refTo(to) });
    f.names.set(name, to);
  };

  const weakref = (): void => {
    const to = pickReachable((o) => o.kind === 'instance' || o.kind === 'function' || isSet(o));
    if (to === undefined) return;
    const id = `w${nextId++}`;
    const event: Record<string, unknown> = { op: 'weakref', id, to: refTo(to) };
    if (rnd.chance(0.6)) event.callback = `cb${id}`;
    events.push(event);
    objects.set(id, { kind: 'weakref', fields: new Map(), items: [] });
    placement(id, event);
  };

  const gcEvent = (): void => {
    const r = rnd.next();
    if (r < 0.45) events.push({ op: 'gc.collect', generation: rnd.pick([0, 1, 2, 2]) });
    else if (r < 0.55) events.push({ op: 'gc.set_debug', flags: rnd.chance(0.5) ? ['saveall'] : [] });
    else if (r < 0.65) events.push({ op: 'gc.freeze' });
    else if (r < 0.72) {
      if (options.unfreeze ?? true) events.push({ op: 'gc.unfreeze' });
    }
    else if (r < 0.82) events.push({ op: 'gc.garbage.clear' });
    else if (r < 0.88) events.push({ op: 'gc.disable' });
    else if (r < 0.95) events.push({ op: 'gc.enable' });
    else if (options.setThreshold ?? true) events.push({ op: 'gc.set_threshold', threshold: [rnd.int(3, 20), rnd.int(1, 5), rnd.int(1, 5)] });
  };

  const incDec = (): void => {
    if (held.length > 0 && rnd.chance(0.4)) {
      const id = rnd.pick(held);
      events.push({ op: 'decref', id: refTo(id) });
      held.splice(held.indexOf(id), 1);
      return;
    }
    const id = pickReachable((o) => o.kind !== 'atomic');
    if (id === undefined) return;
    events.push({ op: 'incref', id: refTo(id) });
    held.push(id);
  };

  const callOrReturn = (): void => {
    if (frames.length > 1 && rnd.chance(0.5)) {
      const value = rnd.chance(0.6) ? anyValue() : null;
      const event: Record<string, unknown> = { op: 'return' };
      if (value !== null) event.value = refTo(value);
      frames.pop();
      if (rnd.chance(0.6)) {
        const name = rnd.pick(NAMES);
        event.as = name;
        frame().names.set(name, value);
      }
      events.push(event);
      return;
    }
    if (frames.length >= 4) return;
    events.push({ op: 'call', function: `f${nextFunction++}` });
    frames.push({ names: new Map() });
  };

  // A module-level list for resurrecting finalizers, allocated first.
  objects.set('keep', { kind: 'list', fields: new Map(), items: [] });
  events.push({ op: 'alloc', id: 'keep', type: 'list', as: 'keep' });
  module.names.set('keep', 'keep');

  while (events.length < target) {
    const r = rnd.next();
    if (r < 0.25) allocInstance();
    else if (r < 0.37) allocContainer();
    else if (r < 0.52) addRef();
    else if (r < 0.6) removeRef();
    else if (r < 0.7) bindOrUnbind();
    else if (r < 0.78) {
      if (options.weakrefs ?? true) weakref();
    }
    else if (r < 0.88) gcEvent();
    else if (r < 0.93) incDec();
    else callOrReturn();
  }
  // Leave some frames open now and then; otherwise end with a full collection sometimes.
  if (rnd.chance(0.5)) while (frames.length > 1) {
    events.push({ op: 'return' });
    frames.pop();
  }
  if (rnd.chance(0.5)) events.push({ op: 'gc.collect' });

  return {
    version: 1,
    name: `random-${seed}`,
    gc: {
      enabled: rnd.chance(0.9),
      threshold: [rnd.int(5, 20), rnd.int(2, 5), rnd.int(2, 5)],
      debug: rnd.chance(0.15) ? ['saveall'] : [],
      startupObjects: rnd.chance(0.3) ? rnd.int(1, 40) : 0,
    },
    types: {
      Fin: { finalizer: 'del' },
      Res: { finalizer: { resurrect: '$keep' } },
      Leg: { finalizer: 'legacy' },
    },
    events,
  };
}
