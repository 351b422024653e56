// `snapshot` events: live objects and bytes by allocating line and by type, their leak classes, and
// each snapshot's difference to the previous one as tracemalloc's Snapshot.compare_to shows it.
import type { Collector } from '../gc/collector.js';
import type { Heap } from '../heap/heap.js';
import type { SnapshotLineStat, SnapshotReport, SnapshotTypeStat } from '../model/report.js';
import { classifyHeap } from './classify.js';
import { countLeakedCycles } from './cycles.js';
import { SiteTallies, type LineText } from './sites.js';

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
  const tallies = new SiteTallies(() => '');
  for (const obj of heap.objects) if (obj !== null) tallies.add(obj);
  const byLine = new Map<string, Tally & { file: string; line: number }>();
  for (const { site } of tallies.sites()) byLine.set(`${site.file}\u0000${site.line}`, { file: site.file, line: site.line, objects: site.objects, bytes: site.bytes });
  const byType = new Map<string, Tally>();
  for (const type of tallies.types()) byType.set(type.type, { objects: type.objects, bytes: type.bytes });
  return {
    label,
    event: heap.event,
    t,
    file: heap.file,
    line: heap.line,
    memoryBytes: heap.liveBytes,
    objects: tallies.objects,
    bytes: tallies.bytes,
    classes: classification.totals,
    cycles: countLeakedCycles(classification),
    byLine,
    byType,
  };
}

/** Each snapshot with its lines and types compared to the previous snapshot (the first to nothing). */
export function compareSnapshots(snapshots: Snapshot[], lineText: LineText): SnapshotReport[] {
  return snapshots.map((s, i) => {
    const before = i === 0 ? null : snapshots[i - 1]!;
    const byLine: SnapshotLineStat[] = diff(s.byLine, before?.byLine, (_key, now, old) => {
      const where = (now ?? old)!;
      return { file: where.file, line: where.line, content: lineText(where.file, where.line), ...stat(now, old) };
    });
    const byType: SnapshotTypeStat[] = diff(s.byType, before?.byType, (type, now, old) => ({ type, ...stat(now, old) }));
    byLine.sort(compareToOrder((x) => [x.file, x.line]));
    byType.sort(compareToOrder((x) => [x.type, 0]));
    const { byLine: _lines, byType: _types, ...rest } = s;
    return { ...rest, byLine, byType };
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
