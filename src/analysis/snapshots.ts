// `snapshot` events: live objects and bytes by allocating line and by type, their leak classes, and
// each snapshot's difference to the previous one as tracemalloc's Snapshot.compare_to shows it.
import type { Heap } from '../heap/heap.js';
import type { PyObject } from '../heap/object.js';
import type { Collector } from '../gc/collector.js';
import type { SnapshotLineStat, SnapshotReport, SnapshotTypeStat } from '../report/model.js';
import { classifyHeap } from './leaks.js';
import { countLeakedCycles } from './cycles.js';

interface Tally {
  objects: number;
  bytes: number;
}

/** What a snapshot recorded when it was taken; compared with its predecessor when the report is built. */
export interface Snapshot extends Omit<SnapshotReport, 'byLine' | 'byType'> {
  /** Keyed `file\0line`. */
  byLine: Map<string, Tally & { file: string; line: number }>;
  byType: Map<string, Tally>;
}

/** Takes a snapshot of the heap as it is now. */
export function takeSnapshot(heap: Heap, gc: Collector, label: string, t: number): Snapshot {
  const classification = classifyHeap(heap, gc);
  const byLine = new Map<string, Tally & { file: string; line: number }>();
  const byType = new Map<string, Tally>();
  let objects = 0;
  let bytes = 0;
  for (const obj of heap.objects) {
    if (obj === null) continue;
    // A materialised __dict__ is its owner's memory; other implicit objects are the interpreter's.
    const site: PyObject | null = obj.implicit ? obj.owner : obj;
    if (site === null) continue;
    bytes += obj.size;
    const counted = obj.implicit ? 0 : 1;
    objects += counted;
    const lineKey = `${site.allocFile}\u0000${site.allocLine}`;
    let l = byLine.get(lineKey);
    if (l === undefined) byLine.set(lineKey, (l = { file: site.allocFile, line: site.allocLine, objects: 0, bytes: 0 }));
    l.objects += counted;
    l.bytes += obj.size;
    let ty = byType.get(site.typeName);
    if (ty === undefined) byType.set(site.typeName, (ty = { objects: 0, bytes: 0 }));
    ty.objects += counted;
    ty.bytes += obj.size;
  }
  return {
    label,
    event: heap.event,
    t,
    file: heap.file,
    line: heap.line,
    memoryBytes: heap.liveBytes,
    objects,
    bytes,
    classes: classification.totals,
    cycles: countLeakedCycles(classification),
    byLine,
    byType,
  };
}

/** Each snapshot with its lines and types compared to the previous snapshot (the first to nothing). */
export function compareSnapshots(snapshots: Snapshot[], lineText: (file: string, line: number) => string): SnapshotReport[] {
  return snapshots.map((s, i) => {
    const before = i === 0 ? null : snapshots[i - 1]!;
    const byLine: SnapshotLineStat[] = diff(s.byLine, before?.byLine, (_key, now, old) => {
      const where = (now ?? old)!;
      return { file: where.file, line: where.line, content: lineText(where.file, where.line), ...stat(now, old) };
    });
    const byType: SnapshotTypeStat[] = diff(s.byType, before?.byType, (type, now, old) => ({ type, ...stat(now, old) }));
    byLine.sort(compareToOrder((x) => [x.file, x.line]));
    byType.sort(compareToOrder((x) => [x.type, 0]));
    return {
      label: s.label,
      event: s.event,
      t: s.t,
      file: s.file,
      line: s.line,
      memoryBytes: s.memoryBytes,
      objects: s.objects,
      bytes: s.bytes,
      classes: s.classes,
      cycles: s.cycles,
      byLine,
      byType,
    };
  });
}

function stat(now: Tally | undefined, old: Tally | undefined) {
  const bytes = now?.bytes ?? 0;
  const objects = now?.objects ?? 0;
  return { bytes, objects, bytesDiff: bytes - (old?.bytes ?? 0), objectsDiff: objects - (old?.objects ?? 0) };
}

/** Every key of either snapshot (tracemalloc keeps lines that are gone, with size 0). */
function diff<T extends Tally, R>(now: Map<string, T>, old: Map<string, T> | undefined, make: (key: string, now: T | undefined, old: T | undefined) => R): R[] {
  const out: R[] = [];
  for (const [key, value] of now) out.push(make(key, value, old?.get(key)));
  if (old !== undefined) for (const [key, value] of old) if (!now.has(key)) out.push(make(key, undefined, value));
  return out;
}

/** StatisticDiff._sort_key, reversed: (|size diff|, size, |count diff|, count, traceback), largest first. */
function compareToOrder<T extends { bytes: number; objects: number; bytesDiff: number; objectsDiff: number }>(
  key: (x: T) => [string, number],
): (a: T, b: T) => number {
  return (a, b) => {
    const d =
      Math.abs(b.bytesDiff) - Math.abs(a.bytesDiff) ||
      b.bytes - a.bytes ||
      Math.abs(b.objectsDiff) - Math.abs(a.objectsDiff) ||
      b.objects - a.objects;
    if (d !== 0) return d;
    const [fa, la] = key(a);
    const [fb, lb] = key(b);
    return fa < fb ? 1 : fa > fb ? -1 : lb - la;
  };
}
