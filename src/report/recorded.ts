// "Real run vs model": for a trace recorded by `memprof record`, every figure the real run observed
// beside the model's, equal or not. Differences come first; nothing is left out but the equal
// automatic passes beyond the first rows (the JSON report lists every one).
import type { RecordedComparison } from '../model/report.js';
import { chooseUnit, formatBytes, type RenderOptions } from './units.js';

/** Automatic passes listed before "… n more equal" (every differing one is listed). */
const PASSES_SHOWN = 10;
/** Types of the census listed. */
const TYPES_SHOWN = 15;

export interface ComparisonRows {
  title: string;
  head: string[];
  aligns: ('left' | 'right')[];
  rows: string[][];
  notes: string[];
}

function where(r: { file: string; line: number | null; event: number }): string {
  return r.line === null ? `event ${r.event}` : `${r.file}:${r.line}`;
}

function verdict(equal: boolean): string {
  return equal ? 'equal' : 'DIFFERS';
}

function pass(p: { generation: number; collected: number; uncollectable: number } | null): string {
  if (p === null) return 'no pass';
  return `gen ${p.generation}: ${p.collected} collected${p.uncollectable > 0 ? `, ${p.uncollectable} uncollectable` : ''}`;
}

/** The section as rows, for the text and Markdown renderers alike. */
export function comparisonRows(c: RecordedComparison, options: RenderOptions): ComparisonRows {
  const rows: string[][] = [];
  for (const collect of c.collects) rows.push(['gc.collect()', where(collect), String(collect.real), String(collect.model), verdict(collect.equal)]);
  const differing = c.automatic.filter((a) => !a.equal);
  const equalShown = c.automatic.filter((a) => a.equal).slice(0, Math.max(0, PASSES_SHOWN - differing.length));
  const shown = new Set([...differing, ...equalShown]);
  for (const a of c.automatic) {
    if (shown.has(a)) rows.push([`automatic pass at count (${a.count.join(', ')})`, where(a), pass(a.real), pass(a.model), verdict(a.equal)]);
  }
  const notes: string[] = [];
  if (c.automatic.length > shown.size) notes.push(`… ${c.automatic.length - shown.size} more automatic passes, all equal (--format json lists every one)`);
  if (c.census !== null) {
    const unit = chooseUnit(options.unit, Math.max(c.census.real.bytes, c.census.model.bytes));
    const figure = (t: { objects: number; bytes: number }): string => `${t.objects} (${formatBytes(t.bytes, unit, options.precision)})`;
    rows.push(['objects alive at the end', '', figure(c.census.real), figure(c.census.model), verdict(c.census.equal)]);
    const types = [...c.census.byType.filter((t) => !t.equal), ...c.census.byType.filter((t) => t.equal)].slice(0, TYPES_SHOWN);
    for (const t of types) rows.push([`  ${t.type}`, '', figure(t.real), figure(t.model), verdict(t.equal)]);
    if (c.census.byType.length > types.length) notes.push(`… ${c.census.byType.length - types.length} more types`);
  }
  if (c.count !== null) rows.push(['gc.get_count() at the end (generations 1, 2)', '', `(${c.count.real.join(', ')})`, `(${c.count.model.join(', ')})`, verdict(c.count.equal)]);
  if (c.stats !== null) {
    const stats = (s: { collections: number; collected: number; uncollectable: number }[]): string => s.map((g) => `${g.collections}/${g.collected}/${g.uncollectable}`).join(' ');
    rows.push(['gc.get_stats() (collections/collected/uncollectable)', '', stats(c.stats.real), stats(c.stats.model), verdict(c.stats.equal)]);
  }
  if (c.hiddenAllocations > 0) notes.push(`${c.hiddenAllocations} allocations the trace could not see (temporaries, interpreter internals) were counted from the real run's gc.get_count()`);
  notes.push(...c.notes);
  const agree = c.figures === c.equal ? `all ${c.figures} figures agree` : `${c.equal} of ${c.figures} figures agree`;
  return {
    title: `Real run vs model (${c.script}, ${c.interpreter}, exit code ${c.exitCode}: ${agree})`,
    head: ['figure', 'where', 'real run', 'model', ''],
    aligns: ['left', 'left', 'right', 'right', 'left'],
    rows,
    notes,
  };
}
