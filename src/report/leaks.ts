// The leak sections of `memprof run` (text and Markdown): live objects by class, leaked cycles,
// leaked objects by allocating line, lines whose objects only the cyclic collector freed, reachable
// objects with their retention paths (--show-reachable), and snapshots in tracemalloc's style.
import type { CycleShape, GcPass, LeakSite, LeaksReport, Report, SnapshotReport, SnapshotStat, TypeCount } from '../model/report.js';
import { LEAK_CLASSES } from '../model/report.js';
import { chooseUnit, formatBytes, formatBytesAuto, type RenderOptions } from './units.js';
import { markdownTable, MAX_ROWS, SECTION_TITLES, table, title } from './sections.js';
import { markdownCode, markdownFence, markdownText } from './escape.js';

export interface LeakRenderOptions extends RenderOptions {
  /** List reachable objects by line with a shortest retention path (valgrind's --show-reachable). */
  showReachable?: boolean;
}

/** Lines of a snapshot listed per section; the JSON report has them all. */
export const SNAPSHOT_TOP = 10;
/** Collections named per gc-freed line before "…". */
const PASSES_SHOWN = 5;

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** `Node ×2, dict ×1`. */
export function typeList(types: TypeCount[]): string {
  return types.map((t) => `${t.type} ×${formatCount(t.objects)}`).join(', ');
}

/** `2,000`: a count with thousands separators. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Shapes listed in the leak sections before "… N more shapes". */
export const SHAPES_SHOWN = MAX_ROWS;
/** Allocating lines listed per shape before "… N more lines". */
const SHAPE_LINES_SHOWN = 5;
/** Line ranges named in "allocated at" before "…". */
const RANGES_SHOWN = 8;

/** `Node ×2, list ×2`: the types of one cycle of the shape (every cycle of a shape has the same). */
export function cycleTypes(shape: CycleShape): string {
  return shape.types.map((t) => `${t.type} ×${formatCount(t.objects / shape.cycles)}`).join(', ');
}

/** `cycles.py:15–16, 20; util.py:3`: the allocating lines, by file, consecutive lines as ranges. */
export function lineRanges(lines: { file: string; line: number }[]): string {
  const byFile = new Map<string, number[]>();
  for (const l of lines) {
    const list = byFile.get(l.file);
    if (list === undefined) byFile.set(l.file, [l.line]);
    else list.push(l.line);
  }
  const files = [...byFile.keys()].sort();
  const parts: string[] = [];
  let ranges = 0;
  let more = 0;
  for (const file of files) {
    const numbers = [...new Set(byFile.get(file))].sort((a, b) => a - b);
    const text: string[] = [];
    for (let i = 0; i < numbers.length; ) {
      let j = i;
      while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
      if (ranges < RANGES_SHOWN) text.push(i === j ? String(numbers[i]) : `${numbers[i]}–${numbers[j]}`);
      else more += j - i + 1;
      ranges++;
      i = j + 1;
    }
    if (text.length > 0) parts.push(`${file}:${text.join(', ')}`);
  }
  return `${parts.join('; ')}${more > 0 ? `; … ${more} more line${more === 1 ? '' : 's'}` : ''}`;
}

/** `Node .children → list [0] → Node .parent → back`: the cycle's types and references. */
export function shapePath(shape: CycleShape): string | null {
  if (shape.steps.length === 0) return null;
  const text = shape.steps.map((s) => `${s.type} ${s.via}`);
  if (shape.pathLength > shape.steps.length) text.splice(4, 0, `… ${shape.pathLength - shape.steps.length} more …`);
  return `${text.join(' → ')} → back`;
}

/** `8.4 KiB`, or `8.1 KiB–8.4 KiB` when the cycles of the shape differ in size. */
function eachBytes(shape: CycleShape, options: RenderOptions): string {
  const min = formatBytesAuto(shape.minBytes, options.unit, options.precision);
  const max = formatBytesAuto(shape.maxBytes, options.unit, options.precision);
  return min === max ? min : `${min}–${max}`;
}

/**
 * `2,000 × cycle of 6 objects (Node ×2, list ×2, bytearray ×2), 8.4 KiB each, 16.3 MiB in all`, or
 * for a shape of one cycle `cycle of 2 objects (Node ×2), 296.0 B`.
 */
export function shapeSummary(shape: CycleShape, options: RenderOptions): string {
  const head = `cycle of ${plural(shape.objects, 'object')} (${cycleTypes(shape)})`;
  if (shape.cycles === 1) return `${head}, ${formatBytesAuto(shape.bytes, options.unit, options.precision)}`;
  return `${formatCount(shape.cycles)} × ${head}, ${eachBytes(shape, options)} each, ${formatBytesAuto(shape.bytes, options.unit, options.precision)} in all`;
}

/** The summary, where the objects were allocated and the cycle, on one line (check, annotations). */
export function shapeText(shape: CycleShape, options: RenderOptions): string {
  const path = shapePath(shape);
  return `${shapeSummary(shape, options)}, allocated at ${lineRanges(shape.lines)}${path === null ? '' : `: ${path}`}`;
}

/** `2,000 leaked cycles of 1 shape, largest first`. */
function shapesHeading(leaks: LeaksReport): string {
  const shapes = leaks.cyclic.shapes;
  return `${formatCount(leaks.cyclic.cycles)} leaked cycle${leaks.cyclic.cycles === 1 ? '' : 's'} of ${plural(shapes.length, 'shape')}, largest first`;
}

/** `3 objects in each (bytearray ×1, list ×1, Node ×1), 8.1 MiB in all`: what one line allocated. */
function shapeLine(shape: CycleShape, line: LeakSite, options: RenderOptions): string {
  const each = line.objects / shape.cycles;
  const types = line.types.map((t) => `${t.type} ×${formatCount(t.objects / shape.cycles)}`).join(', ');
  const bytes = formatBytesAuto(line.bytes, options.unit, options.precision);
  return shape.cycles === 1 ? `${plural(each, 'object')} (${types}), ${bytes}` : `${plural(each, 'object')} in each (${types}), ${bytes} in all`;
}

/** `#3 (gen 2, event 41)` for each collection, the first few only. */
function passList(passes: number[], all: GcPass[]): string {
  const shown = passes.slice(0, PASSES_SHOWN).map((i) => {
    const p = all[i];
    return p === undefined ? `#${i}` : `#${i} (gen ${p.generation}, event ${p.event})`;
  });
  if (passes.length > PASSES_SHOWN) shown.push(`… ${passes.length - PASSES_SHOWN} more`);
  return shown.join(', ');
}

/** Whether any workload object is live at the end (the class table is shown only then). */
export function hasLiveObjects(leaks: LeaksReport): boolean {
  return LEAK_CLASSES.some((c) => leaks[c].objects > 0 || leaks[c].bytes > 0);
}

// ---------------------------------------------------------------------------------------------
// Text

export function renderLeakClassesText(leaks: LeaksReport, options: RenderOptions): string {
  const unit = chooseUnit(options.unit, Math.max(...LEAK_CLASSES.map((c) => leaks[c].bytes)));
  return `${title(SECTION_TITLES.classes, options)}\n${table(
    ['class', 'objects', 'bytes'],
    ['left', 'right', 'right'],
    LEAK_CLASSES.map((name) => [name, leaks[name].objects, formatBytes(leaks[name].bytes, unit, options.precision)]),
    options,
  )}\n`;
}

export function renderCyclesText(leaks: LeaksReport, options: RenderOptions): string {
  const shapes = leaks.cyclic.shapes;
  const out = [title(SECTION_TITLES.cycles, options), `  ${shapesHeading(leaks)}`];
  shapes.slice(0, SHAPES_SHOWN).forEach((shape, i) => {
    out.push(`  #${i + 1}  ${shapeSummary(shape, options)}`);
    out.push(`      ${shapePath(shape) ?? '(held by no cycle of its own)'}`);
    const lines = shape.lines.slice(0, SHAPE_LINES_SHOWN);
    const width = Math.max(...lines.map((l) => `${l.file}:${l.line}`.length));
    for (const l of lines) {
      const where = `${l.file}:${l.line}`.padEnd(width);
      out.push(`      ${where}  ${shapeLine(shape, l, options)}${l.content.trim() ? `  ${l.content.trim()}` : ''}`);
    }
    if (shape.lines.length > lines.length) out.push(`      … ${shape.lines.length - lines.length} more allocating lines`);
    const example = shape.examples[0]!;
    const more = shape.objects > example.ids.length ? `, … ${shape.objects - example.ids.length} more` : '';
    out.push(`      ${shape.cycles === 1 ? 'objects' : `objects of the first of ${formatCount(shape.cycles)}`}: ${example.ids.join(', ')}${more}`);
  });
  if (shapes.length > SHAPES_SHOWN) out.push(`  … ${shapes.length - SHAPES_SHOWN} more shapes not shown (--format json lists all)`);
  return `${out.join('\n')}\n`;
}

/** `… 12 more lines not shown (--format json lists all)` under a table of allocating lines cut at MAX_ROWS. */
function moreSites(sites: unknown[]): string {
  return sites.length > MAX_ROWS ? `… ${formatCount(sites.length - MAX_ROWS)} more lines not shown (--format json lists all)` : '';
}

function sitesTable(heading: string, allSites: (LeakSite & { retention?: string })[], options: RenderOptions, extra?: { head: string; cell: (i: number) => string }): string {
  // Largest first: the rows shown are the lines that hold the most.
  const sites = allSites.slice(0, MAX_ROWS);
  const unit = chooseUnit(options.unit, Math.max(0, ...sites.map((s) => s.bytes)));
  const head = ['line', 'objects', 'bytes', 'types'];
  if (extra) head.push(extra.head);
  head.push('source');
  const aligns: ('left' | 'right')[] = ['left', 'right', 'right', 'left'];
  if (extra) aligns.push('left');
  aligns.push('left');
  const rows = sites.map((s, i) => {
    const row: (string | number)[] = [`${s.file}:${s.line}`, s.objects, formatBytes(s.bytes, unit, options.precision), typeList(s.types)];
    if (extra) row.push(extra.cell(i));
    row.push(s.content.trim());
    return row;
  });
  const more = moreSites(allSites);
  return `${title(heading, options)}\n${table(head, aligns, rows, options)}\n${more === '' ? '' : `  ${more}\n`}`;
}

/** Every leak section of the text report, in order; empty when no workload object is live or was gc-freed. */
export function renderLeakSectionsText(report: Report, options: LeakRenderOptions): string[] {
  const leaks = report.leaks;
  if (!leaks) return [];
  const sections: string[] = [];
  if (hasLiveObjects(leaks)) sections.push(renderLeakClassesText(leaks, options));
  // Reports written before these fields existed (plot reads report.json back) have none of them.
  const uncollectable = leaks.uncollectable.sites ?? [];
  const external = leaks.external.sites ?? [];
  if (leaks.cyclic.shapes.length > 0) sections.push(renderCyclesText(leaks, options));
  if (uncollectable.length > 0) sections.push(sitesTable(SECTION_TITLES.uncollectable, uncollectable, options));
  if (external.length > 0) sections.push(sitesTable(SECTION_TITLES.external, external, options));
  if (leaks.gcFreedBySite.length > 0) {
    const sites = leaks.gcFreedBySite;
    sections.push(
      sitesTable(SECTION_TITLES.gcFreed, sites, options, {
        head: 'collections',
        cell: (i) => passList(sites[i]!.passes, report.gc.passes),
      }),
    );
  }
  const reachable = leaks.reachable.sites ?? [];
  if (options.showReachable && reachable.length > 0) {
    sections.push(
      sitesTable(SECTION_TITLES.reachable, reachable, options, {
        head: 'shortest retention path',
        cell: (i) => reachable[i]!.retention,
      }),
    );
  }
  return sections;
}

// ---------------------------------------------------------------------------------------------
// tracemalloc's formatting

/**
 * `'%.{p}f' % x` exactly as Python formats it: the double's exact binary value rounded half to even
 * (JavaScript's toFixed rounds exact ties up: `(0.25).toFixed(1)` is `0.3`, Python says `0.2`).
 */
export function pythonFixed(x: number, precision: number, sign = false): string {
  const negative = x < 0;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const exponentBits = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let exponent = -1074;
  if (exponentBits !== 0) {
    mantissa |= 1n << 52n;
    exponent = exponentBits - 1075;
  }
  let numerator = mantissa * 10n ** BigInt(precision);
  let denominator = 1n;
  if (exponent >= 0) numerator <<= BigInt(exponent);
  else denominator <<= BigInt(-exponent);
  let q = numerator / denominator;
  const twiceRemainder = (numerator % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && q % 2n === 1n)) q += 1n;
  let digits = q.toString();
  if (precision > 0) {
    digits = digits.padStart(precision + 1, '0');
    digits = `${digits.slice(0, -precision)}.${digits.slice(-precision)}`;
  }
  return negative ? `-${digits}` : sign ? `+${digits}` : digits;
}

/** tracemalloc's `_format_size`: `56 B`, `1.1 MiB`, `+12 KiB`. */
export function tracemallocSize(size: number, sign: boolean): string {
  for (const unit of ['B', 'KiB', 'MiB', 'GiB', 'TiB']) {
    if (Math.abs(size) < 100 && unit !== 'B') return `${pythonFixed(size, 1, sign)} ${unit}`;
    if (Math.abs(size) < 10 * 1024 || unit === 'TiB') return `${pythonFixed(size, 0, sign)} ${unit}`;
    size /= 1024;
  }
  throw new Error('unreachable');
}

/** tracemalloc's StatisticDiff: `cache.py:12: size=1.1 MiB (+1.1 MiB), count=20000 (+20000), average=56 B`. */
export function statisticDiff(key: string, s: SnapshotStat): string {
  const countDiff = s.objectsDiff >= 0 ? `+${s.objectsDiff}` : String(s.objectsDiff);
  let text = `${key}: size=${tracemallocSize(s.bytes, false)} (${tracemallocSize(s.bytesDiff, true)}), count=${s.objects} (${countDiff})`;
  if (s.objects !== 0) text += `, average=${tracemallocSize(s.bytes / s.objects, false)}`;
  return text;
}

function classSummary(s: SnapshotReport, options: RenderOptions): string {
  const parts = LEAK_CLASSES.filter((c) => s.classes[c].objects > 0 || s.classes[c].bytes > 0).map(
    (c) => `${c} ${s.classes[c].objects} (${formatBytes(s.classes[c].bytes, chooseUnit(options.unit, s.classes[c].bytes), options.precision)})`,
  );
  if (s.cycles > 0) parts.push(plural(s.cycles, 'leaked cycle'));
  return parts.length === 0 ? 'no live objects' : parts.join(', ');
}

function snapshotHeading(s: SnapshotReport, previous: SnapshotReport | null, options: RenderOptions): string {
  const where = s.line === null ? '' : `, ${s.file}:${s.line}`;
  const memory = formatBytes(s.memoryBytes, chooseUnit(options.unit, s.memoryBytes), options.precision);
  const against = previous === null ? 'the start' : `'${previous.label}'`;
  return `snapshot '${s.label}' (event ${s.event}${where}): memory ${memory}, ${plural(s.objects, 'object')}; compared to ${against}`;
}

function topStats(lines: string[], total: number): string[] {
  const shown = lines.slice(0, SNAPSHOT_TOP).map((l) => `    ${l}`);
  if (total > SNAPSHOT_TOP) shown.push(`    … ${total - SNAPSHOT_TOP} more`);
  return shown;
}

export function renderSnapshotsText(report: Report, options: RenderOptions): string {
  const out = [title(SECTION_TITLES.snapshots, options)];
  report.snapshots.forEach((s, i) => {
    if (i > 0) out.push('');
    out.push(snapshotHeading(s, i === 0 ? null : report.snapshots[i - 1]!, options));
    out.push(`  classes: ${classSummary(s, options)}`);
    out.push('  by line:');
    out.push(...topStats(s.byLine.map((l) => statisticDiff(`${l.file}:${l.line}`, l)), s.byLine.length));
    out.push('  by type:');
    out.push(...topStats(s.byType.map((t) => statisticDiff(t.type, t)), s.byType.length));
  });
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Markdown

const code = markdownCode;

function mdSites(heading: string, allSites: (LeakSite & { retention?: string })[], options: RenderOptions, extra?: { head: string; cell: (i: number) => string }): string {
  const sites = allSites.slice(0, MAX_ROWS);
  const unit = chooseUnit(options.unit, Math.max(0, ...sites.map((s) => s.bytes)));
  const head = ['line', 'objects', 'bytes', 'types', ...(extra ? [extra.head] : []), 'source'];
  const aligns: ('left' | 'right')[] = ['left', 'right', 'right', 'left', ...(extra ? ['left' as const] : []), 'left'];
  const rows = sites.map((s, i) => [
    markdownText(`${s.file}:${s.line}`),
    s.objects,
    formatBytes(s.bytes, unit, options.precision),
    markdownText(typeList(s.types)),
    ...(extra ? [extra.cell(i)] : []),
    code(s.content.trim()),
  ]);
  const more = moreSites(allSites);
  return `## ${markdownText(heading)}\n\n${markdownTable(head, aligns, rows)}\n${more === '' ? '' : `\n${more}\n`}`;
}

/** The Markdown counterparts of the text sections (the class table is the Markdown report's own). */
export function renderLeakSectionsMarkdown(report: Report, options: LeakRenderOptions): string[] {
  const leaks = report.leaks;
  if (!leaks) return [];
  const sections: string[] = [];
  const shapes = leaks.cyclic.shapes;
  if (shapes.length > 0) {
    const unit = chooseUnit(options.unit, Math.max(...shapes.map((c) => c.maxBytes)));
    const allUnit = chooseUnit(options.unit, Math.max(...shapes.map((c) => c.bytes)));
    const shown = shapes.slice(0, SHAPES_SHOWN);
    const rows = shown.map((c, i) => [
      i + 1,
      formatCount(c.cycles),
      c.objects,
      c.minBytes === c.maxBytes ? formatBytes(c.minBytes, unit, options.precision) : `${formatBytes(c.minBytes, unit, options.precision)}–${formatBytes(c.maxBytes, unit, options.precision)}`,
      formatBytes(c.bytes, allUnit, options.precision),
      markdownText(cycleTypes(c)),
      markdownText(lineRanges(c.lines)),
      code(shapePath(c) ?? ''),
    ]);
    const more = shapes.length > SHAPES_SHOWN ? `\n… ${shapes.length - SHAPES_SHOWN} more shapes not shown (\`--format json\` lists all)\n` : '';
    sections.push(
      `## ${SECTION_TITLES.cycles}\n\n${shapesHeading(leaks)}.\n\n${markdownTable(
        ['#', 'cycles', 'objects each', 'bytes each', 'in all', 'types (each)', 'allocated at', 'cycle'],
        ['right', 'right', 'right', 'right', 'right', 'left', 'left', 'left'],
        rows,
      )}\n${more}`,
    );
  }
  const uncollectable = leaks.uncollectable.sites ?? [];
  const external = leaks.external.sites ?? [];
  if (uncollectable.length > 0) sections.push(mdSites(SECTION_TITLES.uncollectable, uncollectable, options));
  if (external.length > 0) sections.push(mdSites(SECTION_TITLES.external, external, options));
  if (leaks.gcFreedBySite.length > 0) {
    const sites = leaks.gcFreedBySite;
    sections.push(mdSites(SECTION_TITLES.gcFreed, sites, options, { head: 'collections', cell: (i) => passList(sites[i]!.passes, report.gc.passes) }));
  }
  const reachable = leaks.reachable.sites ?? [];
  if (options.showReachable && reachable.length > 0) {
    sections.push(mdSites(SECTION_TITLES.reachable, reachable, options, { head: 'shortest retention path', cell: (i) => code(reachable[i]!.retention) }));
  }
  return sections;
}

export function renderSnapshotsMarkdown(report: Report, options: RenderOptions): string {
  const out = [`## ${SECTION_TITLES.snapshots}\n`];
  report.snapshots.forEach((s, i) => {
    out.push(`### ${markdownText(snapshotHeading(s, i === 0 ? null : report.snapshots[i - 1]!, options))}\n`);
    out.push(`Classes: ${classSummary(s, options)}\n`);
    const lines = s.byLine.slice(0, SNAPSHOT_TOP).map((l) => statisticDiff(`${l.file}:${l.line}`, l));
    const types = s.byType.slice(0, SNAPSHOT_TOP).map((t) => statisticDiff(t.type, t));
    out.push(markdownFence(`${[...lines, ...(s.byLine.length > SNAPSHOT_TOP ? [`… ${s.byLine.length - SNAPSHOT_TOP} more`] : []), '', ...types].join('\n')}\n`));
  });
  return out.join('\n');
}
