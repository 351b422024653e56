// The id table: every id a trace used, live or freed, without keeping the strings.
import { describe, expect, it } from 'vitest';
import { freedEvent, freedValue, IdTable, LAST_EXACT_EVENT, UNKNOWN } from '../src/heap/ids.js';
import { workloadFromObject } from '../src/workload/load.js';
import { Replay } from '../src/replay/replay.js';
import { WorkloadError } from '../src/workload/errors.js';
import type { Event } from '../src/workload/schema.js';

describe('IdTable', () => {
  it('keeps 200,000 ids through its growth, live ones by handle and freed ones by event', () => {
    const ids = new IdTable();
    for (let i = 0; i < 200_000; i++) ids.setLive(`o${i}`, i);
    for (let i = 0; i < 200_000; i += 2) ids.setFreed(`o${i}`, 1_000_000 + i);
    expect(ids.size).toBe(200_000);
    expect(ids.find('o1')).toBe(1);
    expect(ids.find('o199999')).toBe(199_999);
    expect(freedEvent(ids.find('o0'))).toBe(1_000_000);
    expect(freedEvent(ids.find('o199998'))).toBe(1_199_998);
    expect(ids.find('o200000')).toBe(UNKNOWN);
    expect(ids.find('')).toBe(UNKNOWN);
    expect(ids.find('O1')).toBe(UNKNOWN);
  });

  it('agrees with a Map through 100,000 allocations and frees in random order', () => {
    // Freeing deletes from the live table (entries after the slot shift back): every id must stay
    // findable whatever the order, also across the table's end and its growth.
    const ids = new IdTable();
    const model = new Map<string, number>();
    const live: string[] = [];
    let seed = 12345;
    const random = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let event = 0; event < 100_000; event++) {
      if (live.length > 0 && random(3) === 0) {
        const id = live.splice(random(live.length), 1)[0]!;
        ids.setFreed(id, event);
        model.set(id, freedValue(event));
      } else {
        const id = `x${event}`;
        ids.setLive(id, event);
        model.set(id, event);
        live.push(id);
      }
    }
    for (const [id, value] of model) expect(ids.find(id)).toBe(value);
    expect(ids.size).toBe(model.size);
    expect(ids.find('x100000')).toBe(UNKNOWN);
  });

  it('remembers 300,000 freed ids in under 16 bytes each, every one with the event that freed it', () => {
    const ids = new IdTable();
    const n = 300_000;
    for (let i = 0; i < n; i++) ids.setFreed(`o${i}`, 7 * i);
    expect(ids.size).toBe(n);
    // 4,762,560 bytes of slots: 15.9 per id, the table's growth included.
    expect(ids.bytes.freed).toBe(4_762_560);
    expect(ids.bytes.freed / n).toBeLessThan(16);
    for (let i = 0; i < n; i++) if (freedEvent(ids.find(`o${i}`)) !== 7 * i) expect.fail(`o${i}`);
    expect(ids.find(`o${n}`)).toBe(UNKNOWN);
  });

  it('names the last exact event for an id freed after it', () => {
    const ids = new IdTable();
    ids.setFreed('late', 2 ** 33);
    ids.setFreed('edge', LAST_EXACT_EVENT);
    expect(freedEvent(ids.find('late'))).toBe(LAST_EXACT_EVENT);
    expect(freedEvent(ids.find('edge'))).toBe(LAST_EXACT_EVENT);
    expect(LAST_EXACT_EVENT).toBe(4_294_967_294);
  });

  it('tells a freed id from an unknown one for every event number', () => {
    for (const event of [0, 1, 2 ** 30]) {
      expect(freedValue(event)).toBeLessThan(UNKNOWN);
      expect(freedEvent(freedValue(event))).toBe(event);
    }
  });
});

describe('the heap compacts its object table', () => {
  function replayAll(events: Event[]): Replay {
    const w = workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, events });
    const r = new Replay(w, {});
    for (const se of w.events as Iterable<Parameters<Replay['step']>[0]>) r.step(se);
    return r;
  }
  // 20,000 temporaries die at once between two long-lived objects.
  const churn: Event[] = [
    { op: 'alloc', id: 'first', type: 'dict', as: 'first', line: 1 },
    { op: 'repeat', var: 'i', count: 20_000, body: [{ op: 'alloc', id: 'tmp{i}', type: 'object', line: 2 }] },
    { op: 'alloc', id: 'last', type: 'list', as: 'last', line: 3 },
    { op: 'ref', from: '$last', to: 'first', line: 4 },
  ];

  it('keeps only live objects, in allocation order, still found by id', () => {
    const r = replayAll(churn);
    expect(r.heap.objects.length).toBeLessThan(20_000);
    expect(r.heap.objects.filter((o) => o !== null).map((o) => o!.id)).toEqual(['first', 'last']);
    expect(r.heap.object('first')!.typeName).toBe('dict');
    expect(r.heap.object('last')!.items![0]).toBe(r.heap.object('first'));
    expect(r.heap.lookup('tmp7')).toBe(8);
    expect(r.heap.object('tmp7')).toBeUndefined();
  });

  it('still refuses a freed id after compaction', () => {
    let error: unknown;
    try {
      replayAll([...churn, { op: 'alloc', id: 'tmp19999', type: 'object', line: 5 }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkloadError);
    expect((error as Error).message).toContain("duplicate id 'tmp19999' (an object with this id was freed at event 20000)");
  });
});

describe('the object named last', () => {
  const replayAll = (events: Event[]) => {
    const w = workloadFromObject({ version: 1, source: { file: 't.py', lines: [] }, events });
    const r = new Replay(w, {});
    for (const se of w.events as Iterable<Parameters<Replay['step']>[0]>) r.step(se);
    return r;
  };
  const failure = (events: Event[]): string => {
    try {
      replayAll(events);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  it('is not found once freed, whether it died with the event that made it or later', () => {
    expect(failure([{ op: 'alloc', id: 'l', type: 'list', as: 'l', line: 1 }, { op: 'alloc', id: 't', type: 'Node', line: 2 }, { op: 'ref', from: '$l', to: 't', line: 3 }])).toContain(
      "object 't' was freed at event 1",
    );
    expect(
      failure([
        { op: 'alloc', id: 'l', type: 'list', as: 'l', line: 1 },
        { op: 'alloc', id: 'x', type: 'Node', as: 'x', line: 2 },
        { op: 'ref', from: 'x', to: 'x', field: 'me', line: 3 },
        { op: 'unbind', name: 'x', line: 4 },
        { op: 'gc.collect', line: 5 },
        { op: 'ref', from: '$l', to: 'x', line: 6 },
      ]),
    ).toContain("object 'x' was freed at event 4");
  });

  it('is the object its id names, after other objects were named', () => {
    const r = replayAll([
      { op: 'alloc', id: 'a', type: 'Node', as: 'a', line: 1 },
      { op: 'alloc', id: 'b', type: 'Node', as: 'b', line: 2 },
      { op: 'ref', from: 'a', to: 'b', field: 'next', line: 3 },
      { op: 'ref', from: 'b', to: 'a', field: 'next', line: 4 },
    ]);
    expect(r.heap.object('a')!.refcount).toBe(2);
    expect(r.heap.object('b')!.refcount).toBe(2);
    expect(r.heap.object('a')!.id).toBe('a');
  });
});
