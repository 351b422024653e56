// The leak sections of `memprof run` (text and Markdown): live objects by class, leaked cycles,
// leaked objects by allocating line, lines whose objects only the cyclic collector freed, reachable
// objects with their retention paths (--show-reachable), and snapshots in tracemalloc's style.
import type { GcPass, LeakSite, LeaksReport, Report, SnapshotReport, SnapshotStat, TypeCount } from '../model/report.js';
import { LEAK_CLASSES } from '../model/report.js';
import { chooseUnit, formatBytes, type RenderOptions } from './units.js';
import { markdownTable, table, title } from './sections.js';
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
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `Node ×2, dict ×1`. */
export function typeList(types: TypeCount[]): string {
  return types.map((t) => `${t.type} ×${t.objects}`).join(', ');
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
  return `${title('Live objects at the end, by class', options)}\n${table(
    ['class', 'objects', 'bytes'],
    ['left', 'right', 'right'],
    LEAK_CLASSES.map((name) => [name, leaks[name].objects, formatBytes(leaks[name].bytes, unit, options.precision)]),
    options,
  )}\n`;
}

export function renderCyclesText(leaks: LeaksReport, options: RenderOptions): string {
  const cycles = leaks.cyclic.cycles;
  const unit = chooseUnit(options.unit, Math.max(0, ...cycles.map((c) => c.bytes)));
  const bytes = (n: number): string => formatBytes(n, unit, options.precision);
  const out = [title(`Leaked cycles (${cycles.length}, largest first)`, options)];
  cycles.forEach((c, i) => {
    out.push(`  #${i + 1}  ${plural(c.objects, 'object')}, ${bytes(c.bytes)}: ${typeList(c.types)}`);
    out.push(`      ${c.path ?? '(held by no cycle of its own)'}`);
    const width = Math.max(...c.lines.map((l) => `${l.file}:${l.line}`.length));
    for (const l of c.lines) {
      const where = `${l.file}:${l.line}`.padEnd(width);
      out.push(`      ${where}  ${plural(l.objects, 'object')}, ${bytes(l.bytes)}${l.content.trim() ? `  ${l.content.trim()}` : ''}`);
    }
    const more = c.objects > c.ids.length ? `, … ${c.objects - c.ids.length} more` : '';
    out.push(`      objects: ${c.ids.join(', ')}${more}`);
  });
  return `${out.join('\n')}\n`;
}

function sitesTable(heading: string, sites: (LeakSite & { retention?: string })[], options: RenderOptions, extra?: { head: string; cell: (i: number) => string }): string {
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
  return `${title(heading, options)}\n${table(head, aligns, rows, options)}\n`;
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
  if (leaks.cyclic.cycles.length > 0) sections.push(renderCyclesText(leaks, options));
  if (uncollectable.length > 0) sections.push(sitesTable('Uncollectable objects (gc.garbage) by allocating line', uncollectable, options));
  if (external.length > 0) sections.push(sitesTable('External leaks (incref without decref) by allocating line', external, options));
  if (leaks.gcFreedBySite.length > 0) {
    const sites = leaks.gcFreedBySite;
    sections.push(
      sitesTable('Freed only by the cyclic collector, by allocating line', sites, options, {
        head: 'collections',
        cell: (i) => passList(sites[i]!.passes, report.gc.passes),
      }),
    );
  }
  const reachable = leaks.reachable.sites ?? [];
  if (options.showReachable && reachable.length > 0) {
    sections.push(
      sitesTable('Reachable objects by allocating line', reachable, options, {
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
  const out = [title('Snapshots', options)];
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

function mdSites(heading: string, sites: (LeakSite & { retention?: string })[], options: RenderOptions, extra?: { head: string; cell: (i: number) => string }): string {
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
  return `### ${heading}\n\n${markdownTable(head, aligns, rows)}\n`;
}

/** The Markdown counterparts of the text sections (the class table is the Markdown report's own). */
export function renderLeakSectionsMarkdown(report: Report, options: LeakRenderOptions): string[] {
  const leaks = report.leaks;
  if (!leaks) return [];
  const sections: string[] = [];
  const cycles = leaks.cyclic.cycles;
  if (cycles.length > 0) {
    const unit = chooseUnit(options.unit, Math.max(...cycles.map((c) => c.bytes)));
    sections.push(
      `## Leaked cycles\n\n${markdownTable(
        ['#', 'objects', 'bytes', 'types', 'allocated at', 'example cycle'],
        ['right', 'right', 'right', 'left', 'left', 'left'],
        cycles.map((c, i) => [
          i + 1,
          c.objects,
          formatBytes(c.bytes, unit, options.precision),
          markdownText(typeList(c.types)),
          markdownText(c.lines.map((l) => `${l.file}:${l.line}`).join(', ')),
          c.path === null ? '' : code(c.path),
        ]),
      )}\n`,
    );
  }
  const uncollectable = leaks.uncollectable.sites ?? [];
  const external = leaks.external.sites ?? [];
  if (uncollectable.length > 0) sections.push(mdSites('Uncollectable objects (`gc.garbage`) by allocating line', uncollectable, options));
  if (external.length > 0) sections.push(mdSites('External leaks (incref without decref) by allocating line', external, options));
  if (leaks.gcFreedBySite.length > 0) {
    const sites = leaks.gcFreedBySite;
    sections.push(mdSites('Freed only by the cyclic collector', sites, options, { head: 'collections', cell: (i) => passList(sites[i]!.passes, report.gc.passes) }));
  }
  const reachable = leaks.reachable.sites ?? [];
  if (options.showReachable && reachable.length > 0) {
    sections.push(mdSites('Reachable objects by allocating line', reachable, options, { head: 'shortest retention path', cell: (i) => code(reachable[i]!.retention) }));
  }
  return sections;
}

export function renderSnapshotsMarkdown(report: Report, options: RenderOptions): string {
  const out = ['## Snapshots\n'];
  report.snapshots.forEach((s, i) => {
    out.push(`### ${markdownText(snapshotHeading(s, i === 0 ? null : report.snapshots[i - 1]!, options))}\n`);
    out.push(`Classes: ${classSummary(s, options)}\n`);
    const lines = s.byLine.slice(0, SNAPSHOT_TOP).map((l) => statisticDiff(`${l.file}:${l.line}`, l));
    const types = s.byType.slice(0, SNAPSHOT_TOP).map((t) => statisticDiff(t.type, t));
    out.push(markdownFence(`${[...lines, ...(s.byLine.length > SNAPSHOT_TOP ? [`… ${s.byLine.length - SNAPSHOT_TOP} more`] : []), '', ...types].join('\n')}\n`));
  });
  return out.join('\n');
}
