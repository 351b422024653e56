// A recorded trace carries what the real run observed: every gc.collect() result, every automatic
// collection and what it collected, gc.get_count() and gc.get_stats() at the end, and a census of
// the traced objects alive at the end. The replay hands each of them here next to the model's own
// figure; the report's "real run vs model" section shows them side by side, equal or not. A
// difference is reported, never hidden.
import type { Heap } from '../heap/heap.js';
import type { GcStats, RecordedComparison } from '../model/report.js';
import type { WorkloadHeader } from '../workload/schema.js';
import { mergeTypes } from './sites.js';

type Where = { event: number; file: string; line: number | null };
type Counts = readonly [number, number, number];
type PassFigures = { generation: number; collected: number; uncollectable: number };

export class RecordedRun {
  private readonly collects: RecordedComparison['collects'] = [];
  private readonly automatics: RecordedComparison['automatic'] = [];

  constructor(private readonly real: NonNullable<WorkloadHeader['recorded']>) {}

  /** A gc.collect() the real run made, with what it returned there and in the replay. */
  collect(where: Where, observed: { result: number }, model: number): void {
    this.collects.push({ ...where, real: observed.result, model, equal: observed.result === model });
  }

  /** An automatic collection the real run made here, and the pass the model ran at its counts. */
  automatic(where: Where, count: Counts, real: PassFigures | null, pass: PassFigures | null): void {
    const model = pass === null ? null : { generation: pass.generation, collected: pass.collected, uncollectable: pass.uncollectable };
    const equal = real !== null && model !== null && real.generation === model.generation && real.collected === model.collected && real.uncollectable === model.uncollectable;
    this.automatics.push({ ...where, count: [...count], real, model, equal });
  }

  /** The comparison as the report shows it, with the model's state at the end. */
  finish(heap: Heap, count: Counts, stats: readonly GcStats[], hiddenAllocations: number): RecordedComparison {
    const real = this.real;
    const census = real.census === undefined ? null : compareCensus(real.census, heap);
    // Generation 0's count includes the allocations since the last collection that the trace
    // cannot see; the older generations' counts follow the collections alone, and must agree.
    const endCount =
      real.count === undefined
        ? null
        : { real: [...real.count] as [number, number, number], model: [...count] as [number, number, number], equal: real.count[1] === count[1] && real.count[2] === count[2] };
    const endStats =
      real.stats === undefined
        ? null
        : { real: real.stats.map((s) => ({ ...s })), model: stats.map((s) => ({ ...s })), equal: real.stats.every((s, g) => sameStats(s, stats[g]!)) };
    const verdicts = [
      ...this.collects.map((c) => c.equal),
      ...this.automatics.map((a) => a.equal),
      ...(census === null ? [] : [census.equal]),
      ...(endCount === null ? [] : [endCount.equal]),
      ...(endStats === null ? [] : [endStats.equal]),
    ];
    return {
      interpreter: real.interpreter,
      script: real.script,
      exitCode: real.exitCode,
      figures: verdicts.length,
      equal: verdicts.filter(Boolean).length,
      collects: this.collects,
      automatic: this.automatics,
      hiddenAllocations,
      census,
      count: endCount,
      stats: endStats,
      notes: [...real.notes],
    };
  }
}

/** The model's live objects by type: workload objects and the `__dict__`s CPython materialised for
 * them (real dicts in the real run); not the interpreter's own temporaries. */
function compareCensus(real: NonNullable<NonNullable<WorkloadHeader['recorded']>['census']>, heap: Heap): NonNullable<RecordedComparison['census']> {
  const byType = new Map<string, { objects: number; bytes: number }>();
  let objects = 0;
  let bytes = 0;
  for (const obj of heap.objects) {
    if (obj === null || (obj.implicit && obj.owner === null)) continue;
    let t = byType.get(obj.typeName);
    if (t === undefined) byType.set(obj.typeName, (t = { objects: 0, bytes: 0 }));
    t.objects++;
    t.bytes += obj.size;
    objects++;
    bytes += obj.size;
  }
  const model = mergeTypes([...byType].map(([type, t]) => ({ type, ...t })));
  const types = new Map<string, { real: { objects: number; bytes: number }; model: { objects: number; bytes: number } }>();
  const none = () => ({ objects: 0, bytes: 0 });
  for (const t of real.byType) types.set(t.type, { real: { objects: t.objects, bytes: t.bytes }, model: none() });
  for (const t of model) {
    const entry = types.get(t.type) ?? { real: none(), model: none() };
    entry.model = { objects: t.objects, bytes: t.bytes };
    types.set(t.type, entry);
  }
  const rows = [...types].map(([type, { real: r, model: m }]) => ({ type, real: r, model: m, equal: r.objects === m.objects && r.bytes === m.bytes }));
  rows.sort((a, b) => Math.max(b.real.bytes, b.model.bytes) - Math.max(a.real.bytes, a.model.bytes) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  return {
    real: { objects: real.objects, bytes: real.bytes },
    model: { objects, bytes },
    equal: real.objects === objects && real.bytes === bytes && rows.every((r) => r.equal),
    byType: rows,
  };
}

function sameStats(a: GcStats, b: GcStats): boolean {
  return a.collections === b.collections && a.collected === b.collected && a.uncollectable === b.uncollectable;
}
