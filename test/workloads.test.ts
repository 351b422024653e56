// The demo workloads in workloads/ are what users learn the format from: each must be valid v1, carry
// the Python program it traces, and point every event at a line of that program that does something.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workloadSchema, type Event, type Workload } from '../src/workload/schema.js';

const WORKLOADS_DIR = join(import.meta.dirname, '..', 'workloads');

/** The demos the README and the docs refer to by name; removing one must be deliberate. */
const REQUIRED = [
  'linked_list.json',
  'growing_list.json',
  'parent_child_cycles.json',
  'weakref_cache.json',
  'function_locals.json',
  'c_extension_leak.json',
  'gc_long_lived_delay.json',
  'finalizer_resurrect.json',
  'weakref_callback_garbage.json',
  'gc_freeze_fork.json',
  'ci_gate.json',
  'records_rss.json',
];

/** A workload whose trace deliberately ends inside open calls lists how many frames stay open. */
const ENDS_INSIDE_CALLS: Record<string, number> = {};

const files = readdirSync(WORKLOADS_DIR)
  .filter((f) => /\.(json|ndjson|jsonl)$/.test(f))
  .sort();

function readWorkload(file: string): unknown {
  const text = readFileSync(join(WORKLOADS_DIR, file), 'utf8');
  if (file.endsWith('.json')) return JSON.parse(text);
  const [header, ...events] = text.split('\n').filter((l) => l.trim() !== '');
  return { ...JSON.parse(header!), events: events.map((l) => JSON.parse(l)) };
}

interface WalkProblem {
  path: string;
  reason: string;
}

/**
 * Walks the events once (each repeat body once, with an explicit stack) and checks what a reader of
 * the demo relies on: every event has a line in its frame, the line exists and is not blank or a
 * comment, calls and returns pair up (a repeat body leaves the call depth as it found it).
 * Returns the problems and the call depth at the end of the trace.
 */
function walkEvents(workload: Workload): { problems: WalkProblem[]; depth: number } {
  const lines = workload.source?.lines ?? [];
  const problems: WalkProblem[] = [];
  // Whether the current frame has had a line yet, innermost last.
  const frameHasLine: boolean[] = [false];
  type Level = { events: Event[]; next: number; path: string; depthAtEntry: number };
  const levels: Level[] = [{ events: workload.events, next: 0, path: 'events', depthAtEntry: 0 }];
  while (levels.length > 0) {
    const level = levels[levels.length - 1]!;
    if (level.next === level.events.length) {
      levels.pop();
      const depth = frameHasLine.length - 1;
      if (levels.length > 0 && depth !== level.depthAtEntry) {
        problems.push({ path: level.path, reason: `repeat body changes the call depth by ${depth - level.depthAtEntry}` });
      }
      continue;
    }
    const index = level.next++;
    const event = level.events[index]!;
    const path = `${level.path}[${index}]`;
    if (event.line !== undefined) {
      const text = lines[event.line - 1];
      if (text === undefined) {
        problems.push({ path, reason: `line ${event.line} is past the end of the source (${lines.length} lines)` });
      } else if (text.trim() === '' || text.trim().startsWith('#')) {
        problems.push({ path, reason: `line ${event.line} is blank or a comment: ${JSON.stringify(text)}` });
      }
      frameHasLine[frameHasLine.length - 1] = true;
    } else if (event.op !== 'repeat' && !frameHasLine[frameHasLine.length - 1]) {
      problems.push({ path, reason: 'the first event of a frame must carry a line' });
      frameHasLine[frameHasLine.length - 1] = true; // once per frame is enough
    }
    if (event.op === 'repeat') {
      levels.push({ events: event.body, next: 0, path: `${path}.body`, depthAtEntry: frameHasLine.length - 1 });
    } else if (event.op === 'call') {
      frameHasLine.push(false);
    } else if (event.op === 'return') {
      if (frameHasLine.length === 1) problems.push({ path, reason: 'return without a call' });
      else frameHasLine.pop();
    }
  }
  return { problems, depth: frameHasLine.length - 1 };
}

describe('demo workloads', () => {
  it('include every demo the docs name', () => {
    expect(files).toEqual(expect.arrayContaining(REQUIRED));
  });

  describe.each(files)('%s', (file) => {
    const parsed = workloadSchema.safeParse(readWorkload(file));

    it('is a valid format v1 workload', () => {
      expect(parsed.error?.issues ?? []).toEqual([]);
    });

    it('has a name, a description and the source of the program it traces', () => {
      const workload = parsed.data!;
      expect(workload.name).toMatch(/^[a-z0-9-]+$/);
      expect(workload.description?.length ?? 0).toBeGreaterThan(40);
      expect(workload.source?.file).toMatch(/\.py$/);
      expect(workload.source!.lines.length).toBeGreaterThanOrEqual(5);
    });

    it('points every event at a line of the source that does something, and pairs calls with returns', () => {
      const { problems, depth } = walkEvents(parsed.data!);
      expect(problems).toEqual([]);
      expect(depth).toBe(ENDS_INSIDE_CALLS[file] ?? 0);
    });
  });
});

describe('the event walk', () => {
  const base = { version: 1, source: { file: 'x.py', lines: ['a = A()', '', 'def f():', '    b = B()', 'f()'] } };

  it('reports a line past the end, a blank line, a frame without a line and an unmatched return', () => {
    const workload = workloadSchema.parse({
      ...base,
      events: [
        { op: 'alloc', id: 'a', as: 'a', line: 9 },
        { op: 'line', line: 2 },
        { op: 'call', function: 'f', line: 5 },
        { op: 'alloc', id: 'b', as: 'b' },
        { op: 'return' },
        { op: 'return' },
      ],
    });
    expect(walkEvents(workload)).toEqual({
      problems: [
        { path: 'events[0]', reason: 'line 9 is past the end of the source (5 lines)' },
        { path: 'events[1]', reason: 'line 2 is blank or a comment: ""' },
        { path: 'events[3]', reason: 'the first event of a frame must carry a line' },
        { path: 'events[5]', reason: 'return without a call' },
      ],
      depth: 0,
    });
  });

  it('reports a repeat body that leaves a call open and a trace that ends inside a call', () => {
    const workload = workloadSchema.parse({
      ...base,
      events: [{ op: 'repeat', count: 2, body: [{ op: 'call', function: 'f', line: 5 }, { op: 'line', line: 4 }] }],
    });
    expect(walkEvents(workload)).toEqual({
      problems: [{ path: 'events[0].body', reason: 'repeat body changes the call depth by 1' }],
      depth: 1,
    });
  });
});
