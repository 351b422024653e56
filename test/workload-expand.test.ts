import { describe, expect, it } from 'vitest';
import { WorkloadError } from '../src/workload/errors.js';
import { checkRepeatVariables, expandEvents, Expander } from '../src/workload/expand.js';
import type { SourcedEvent } from '../src/workload/loaded.js';
import type { Event } from '../src/workload/schema.js';

function take<T>(iterable: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  const iterator = iterable[Symbol.iterator]();
  while (out.length < n) {
    const next = iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  iterator.return?.();
  return out;
}

function summary(events: Iterable<SourcedEvent>): string[] {
  const out: string[] = [];
  for (const e of events) {
    const its = e.iterations.map((it) => `${it.var}=${it.index}`).join(',');
    out.push(`${e.index} ${e.path} [${its}] ${JSON.stringify(e.event)}`);
  }
  return out;
}

describe('repeat expansion', () => {
  it('runs the body count times, numbering events after expansion and naming their place in the file', () => {
    const events: Event[] = [
      { op: 'line', line: 1 },
      { op: 'repeat', count: 2, var: 'i', body: [{ op: 'line', line: 2 }, { op: 'gc.collect', generation: 0 }] },
      { op: 'line', line: 3 },
    ];
    expect(summary(expandEvents(events))).toEqual([
      '0 events[0] [] {"op":"line","line":1}',
      '1 events[1].body[0] [i=0] {"op":"line","line":2}',
      '2 events[1].body[1] [i=0] {"op":"gc.collect","generation":0}',
      '3 events[1].body[0] [i=1] {"op":"line","line":2}',
      '4 events[1].body[1] [i=1] {"op":"gc.collect","generation":0}',
      '5 events[2] [] {"op":"line","line":3}',
    ]);
  });

  it('substitutes {var} in ids, references, field names, dict keys, items, names and labels', () => {
    const events: Event[] = [
      {
        op: 'repeat',
        count: 2,
        var: 'k',
        body: [
          { op: 'alloc', id: 'n{k}', type: 'Node', fields: { 'key{k}': '$x{k}', plain: 'p' }, items: ['a{k}', null], as: 'v{k}' },
          { op: 'alloc', id: 'row{k}', type: 'Row', into: { obj: '$cache', field: 'k{k}' } },
          { op: 'ref', from: 'n{k}', to: 'n{k}', field: 'self_{k}' },
          { op: 'weakref', id: 'w{k}', to: 'n{k}', callback: 'cb{k}' },
          { op: 'snapshot', label: 'after {k} of {k}' },
          { op: 'call', function: 'f{k}' },
        ],
      },
    ];
    const out = [...expandEvents(events)].map((e) => e.event);
    expect(out[6]).toEqual({ op: 'alloc', id: 'n1', type: 'Node', fields: { key1: '$x1', plain: 'p' }, items: ['a1', null], as: 'v1' });
    expect(out[7]).toEqual({ op: 'alloc', id: 'row1', type: 'Row', into: { obj: '$cache', field: 'k1' } });
    expect(out[8]).toEqual({ op: 'ref', from: 'n1', to: 'n1', field: 'self_1' });
    expect(out[9]).toEqual({ op: 'weakref', id: 'w1', to: 'n1', callback: 'cb1' });
    expect(out[10]).toEqual({ op: 'snapshot', label: 'after 1 of 1' });
    expect(out[11]).toEqual({ op: 'call', function: 'f1' });
    expect(Object.keys((out[0] as { fields: object }).fields)).toEqual(['key0', 'plain']);
  });

  it('leaves braces that name no enclosing loop variable as text, and the body events untouched', () => {
    const body: Event[] = [{ op: 'alloc', id: 'd', type: 'dict', fields: { '{j}': null, '{i}{': null }, as: 'd' }];
    const events: Event[] = [{ op: 'snapshot', label: '{i}' }, { op: 'repeat', count: 1, var: 'i', body }];
    const out = [...expandEvents(events)].map((e) => e.event);
    expect(out[0]).toEqual({ op: 'snapshot', label: '{i}' });
    expect(out[1]).toEqual({ op: 'alloc', id: 'd', type: 'dict', fields: { '{j}': null, '0{': null }, as: 'd' });
    expect(body[0]).toEqual({ op: 'alloc', id: 'd', type: 'dict', fields: { '{j}': null, '{i}{': null }, as: 'd' });
  });

  it('shares an event that names no loop variable between iterations', () => {
    const line: Event = { op: 'line', line: 4 };
    const out = [...expandEvents([{ op: 'repeat', count: 3, var: 'i', body: [line] }])];
    expect(out.map((e) => e.event === line)).toEqual([true, true, true]);
  });

  it('expands nested repeats, outer variables visible inside, iterations outermost first', () => {
    const events: Event[] = [
      {
        op: 'repeat',
        count: 2,
        var: 'i',
        body: [
          { op: 'alloc', id: 'row{i}', as: 'r', type: 'Instance' },
          { op: 'repeat', count: 2, var: 'j', body: [{ op: 'alloc', id: 'c{i}_{j}', into: { obj: 'row{i}' }, type: 'Instance' }] },
        ],
      },
      { op: 'line', line: 9 },
    ];
    expect(summary(expandEvents(events))).toEqual([
      '0 events[0].body[0] [i=0] {"op":"alloc","id":"row0","as":"r","type":"Instance"}',
      '1 events[0].body[1].body[0] [i=0,j=0] {"op":"alloc","id":"c0_0","into":{"obj":"row0"},"type":"Instance"}',
      '2 events[0].body[1].body[0] [i=0,j=1] {"op":"alloc","id":"c0_1","into":{"obj":"row0"},"type":"Instance"}',
      '3 events[0].body[0] [i=1] {"op":"alloc","id":"row1","as":"r","type":"Instance"}',
      '4 events[0].body[1].body[0] [i=1,j=0] {"op":"alloc","id":"c1_0","into":{"obj":"row1"},"type":"Instance"}',
      '5 events[0].body[1].body[0] [i=1,j=1] {"op":"alloc","id":"c1_1","into":{"obj":"row1"},"type":"Instance"}',
      '6 events[1] [] {"op":"line","line":9}',
    ]);
  });

  it('emits nothing for a repeat of count 0 or an empty body, and numbering continues', () => {
    const events: Event[] = [
      { op: 'repeat', count: 0, var: 'i', body: [{ op: 'line', line: 1 }] },
      { op: 'repeat', count: 5, var: 'i', body: [] },
      { op: 'line', line: 2 },
    ];
    expect(summary(expandEvents(events))).toEqual(['0 events[2] [] {"op":"line","line":2}']);
  });

  it('is lazy: the first events of a repeat of 1e9 iterations come without expanding the rest', () => {
    const events: Event[] = [{ op: 'repeat', count: 1e9, var: 'i', body: [{ op: 'alloc', id: 'n{i}', type: 'Instance' }] }];
    expect(take(expandEvents(events), 3).map((e) => (e.event as { id: string }).id)).toEqual(['n0', 'n1', 'n2']);
  });

  it('walks 10,000 nested repeats without overflowing the stack', () => {
    let inner: Event = { op: 'line', line: 1 };
    for (let d = 0; d < 10_000; d++) inner = { op: 'repeat', count: 1, var: `v${d}`, body: [inner] };
    const out = [...expandEvents([inner])];
    expect(out.length).toBe(1);
    expect(out[0]!.iterations.length).toBe(10_000);
    expect(out[0]!.iterations[0]).toEqual({ var: 'v9999', index: 0 });
    expect(checkRepeatVariables(inner, 'events[0]')).toEqual([]);
  });

  it('rejects a nested repeat that reuses the variable of an enclosing one', () => {
    const events: Event[] = [
      { op: 'line', line: 1 },
      { op: 'repeat', count: 2, var: 'i', body: [{ op: 'line', line: 2 }, { op: 'repeat', count: 1, var: 'i', body: [{ op: 'line', line: 3 }] }] },
    ];
    const it = expandEvents(events, 'events', 'w.json');
    expect(take(it, 2).length).toBe(2);
    let error: unknown;
    try {
      for (const _ of expandEvents(events, 'events', 'w.json'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkloadError);
    const e = error as WorkloadError;
    expect(e.location).toEqual({ file: 'w.json', path: 'events[1].body[1].var', eventIndex: 2, iterations: [{ var: 'i', index: 0 }] });
    expect(e.reason).toBe("repeat variable 'i' is already the variable of the enclosing repeat at events[1]");
    expect(e.hint).toBe('Give nested repeats distinct "var" names');
    const found = checkRepeatVariables(events[1]!, 'events[1]', 'w.json');
    expect(found.map((p) => [p.location.path, p.reason])).toEqual([
      ['events[1].body[1].var', "repeat variable 'i' is already the variable of the enclosing repeat at events[1]"],
    ]);
  });

  it('checks each chain of nested repeats on its own', () => {
    const repeat = (v: string, body: Event[]): Event => ({ op: 'repeat', count: 1, var: v, body });
    const tree = repeat('i', [repeat('j', [repeat('k', [])]), repeat('k', [repeat('j', []), repeat('i', [repeat('i', [])])])]);
    expect(checkRepeatVariables(tree, 'events[0]', 'w.json').map((p) => `${p.location.path}: ${p.reason}`)).toEqual([
      "events[0].body[1].body[1].var: repeat variable 'i' is already the variable of the enclosing repeat at events[0]",
      "events[0].body[1].body[1].body[0].var: repeat variable 'i' is already the variable of the enclosing repeat at events[0]",
    ]);
  });

  it('accepts the same variable in sibling repeats', () => {
    const events: Event[] = [
      { op: 'repeat', count: 1, var: 'i', body: [{ op: 'snapshot', label: 'a{i}' }] },
      { op: 'repeat', count: 1, var: 'i', body: [{ op: 'snapshot', label: 'b{i}' }] },
    ];
    expect([...expandEvents(events)].map((e) => (e.event as { label: string }).label)).toEqual(['a0', 'b0']);
  });

  it('expands top-level events as they come, naming them by position, with one numbering', () => {
    const lines: [number, Event][] = [
      [2, { op: 'line', line: 1 }],
      [3, { op: 'repeat', count: 2, var: 'i', body: [{ op: 'snapshot', label: 's{i}' }] }],
      [5, { op: 'line', line: 2 }],
    ];
    const expander = new Expander('t.ndjson', (n) => `line ${n}`);
    const out: string[] = [];
    for (const [lineNumber, event] of lines) {
      const sourced: SourcedEvent[] = [];
      let e = expander.start(event, lineNumber);
      if (e !== null) sourced.push(e);
      else while ((e = expander.next()) !== null) sourced.push(e);
      for (const s of sourced) out.push(`${s.index} ${s.path} ${s.iterations.map((it) => `${it.var}=${it.index}`).join(',')} ${JSON.stringify(s.event)}`);
    }
    expect(out).toEqual([
      '0 line 2  {"op":"line","line":1}',
      '1 line 3 body[0] i=0 {"op":"snapshot","label":"s0"}',
      '2 line 3 body[0] i=1 {"op":"snapshot","label":"s1"}',
      '3 line 5  {"op":"line","line":2}',
    ]);
  });
});
