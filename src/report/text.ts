// The terminal report of `memprof run`: header, memory_profiler line tables, the collector's
// passes and statistics, finalizers and weakref callbacks, leaks, the chart and a summary.
// It only renders: every figure comes from the Report.
import { formatTime, renderChart } from './chart.js';
import { renderLineTable } from './lineTable.js';
import { renderLeakSectionsText, renderSnapshotsText, type LeakRenderOptions } from './leaks.js';
import type { Report } from '../model/report.js';
import { chooseUnit, formatBytes, formatBytesAuto, type RenderOptions } from './units.js';
import { terminalSafe } from './escape.js';
import { MAX_ROWS, passesFooter, SECTION_TITLES, shownPasses, table, title } from './sections.js';
import { comparisonRows } from './recorded.js';

/** `name: value` lines with the values in one column. */
function fields(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

export function renderHeader(report: Report, options: RenderOptions): string {
  const { workload, summary } = report;
  const pairs: [string, string][] = [
    ['workload file', workload.file],
    ['events', String(workload.events)],
    ['Python model', `CPython ${workload.python}`],
    ['memory model', workload.memoryModel],
  ];
  if (summary.baselineBytes > 0) pairs.push(['baseline', formatBytes(summary.baselineBytes, chooseUnit(options.unit, summary.baselineBytes), options.precision)]);
  return `memprof ${report.version} report: ${workload.name}\n${fields(pairs)}\n`;
}

/** A pass's source location: `demo.py:5`, or `-` for a pass outside any line. */
function passWhere(file: string, line: number | null): string {
  return line === null ? '-' : `${file}:${line}`;
}

export function renderGc(report: Report, options: RenderOptions): string {
  const { gc } = report;
  const out: string[] = [title(SECTION_TITLES.gc, options)];
  out.push(
    `  threshold (${gc.threshold.join(', ')}), count at the end (${gc.count.join(', ')}), ` +
      `automatic collection ${gc.enabled ? 'enabled' : 'disabled'}`,
  );
  if (gc.passes.length === 0) {
    out.push('  no collection ran');
  } else {
    out.push(
      table(
        ['event', 'line', 'generation', 'trigger', 'examined', 'collected', 'uncollectable', 'survivors'],
        ['right', 'left', 'right', 'left', 'right', 'right', 'right', 'right'],
        shownPasses(gc.passes).map((p) => [
          p.event,
          passWhere(p.file, p.line),
          p.generation,
          p.trigger === 'collect' ? 'gc.collect()' : 'threshold',
          p.examined,
          p.collected,
          p.uncollectable,
          p.survivors,
        ]),
        options,
      ),
    );
    const footer = passesFooter(gc.passes);
    if (footer !== null) out.push(`  ${footer}`);
  }
  // gc.get_stats(), with each generation's threshold and final count beside it.
  out.push(
    table(
      ['generation', 'threshold', 'count', 'collections', 'collected', 'uncollectable'],
      ['right', 'right', 'right', 'right', 'right', 'right'],
      gc.stats.map((s, g) => [g, gc.threshold[g]!, gc.count[g]!, s.collections, s.collected, s.uncollectable]),
      options,
    ),
  );
  if (gc.garbage.length > 0) {
    const more = gc.garbage.length > MAX_ROWS ? `, … ${gc.garbage.length - MAX_ROWS} more` : '';
    out.push(`  gc.garbage (${gc.garbage.length}): ${gc.garbage.slice(0, MAX_ROWS).join(', ')}${more}`);
  }
  return `${out.join('\n')}\n`;
}

export function renderCallbacks(report: Report, options: RenderOptions): string {
  const rows = report.callbacks.slice(0, MAX_ROWS).map((c) => [
    c.event,
    c.kind === 'finalizer' ? 'finalizer' : 'weakref callback',
    c.id,
    c.label ?? '',
    c.during === 'gc' ? 'cyclic GC' : 'refcount',
  ]);
  return `${title(SECTION_TITLES.callbacks, options)}\n${table(
    ['event', 'kind', 'object', 'label', 'during'],
    ['right', 'left', 'left', 'left', 'left'],
    rows,
    options,
  )}\n${report.callbacks.length > MAX_ROWS ? `  … ${report.callbacks.length - MAX_ROWS} more not shown (--format json lists all)\n` : ''}`;
}

export function renderSummary(report: Report, options: RenderOptions): string {
  const s = report.summary;
  const unit = chooseUnit(options.unit, s.peakBytes);
  const bytes = (n: number): string => formatBytes(n, unit, options.precision);
  const peakWhere = s.peakLine ? ` at ${s.peakLine.file}:${s.peakLine.line}` : '';
  const peakWhen = s.peakEvent >= 0 ? ` (event ${s.peakEvent}, t=${formatTime(s.peakT)})` : '';
  return `${title(SECTION_TITLES.summary, options)}\n${fields([
    ['peak', `${bytes(s.peakBytes)}${peakWhere}${peakWhen}`],
    ['final', bytes(s.finalBytes)],
    ['allocated', bytes(s.allocatedBytes)],
    ['freed', bytes(s.freedBytes)],
    ['objects', `${s.objectsAllocated} allocated, ${s.objectsFreed} freed, ${s.objectsLive} live`],
    ...memoryModelFields(report, options),
  ])}\n`;
}

/** `--memory-model pymalloc`: what the allocators hold beside the live bytes. Each figure in its own
 * unit (with --unit auto): a 36 KiB RSS beside live bytes of a few hundred, a 128 KiB threshold
 * beside a heap of MiB. */
export function memoryModelFields(report: Report, options: RenderOptions): [string, string][] {
  const m = report.memory;
  if (m === undefined) return [];
  const own = (n: number): string => formatBytesAuto(n, options.unit, options.precision);
  const fields: [string, string][] = [
    ['RSS (model)', `peak ${own(m.peakRss)}, final ${own(m.finalRss)} (pymalloc's pools of live arenas + glibc malloc's resident heap and mmapped chunks)`],
    ['arenas', `${m.arenasInUse} in use at the end, ${m.arenasHighwater} at most, ${m.arenasAllocatedTotal} allocated, ${m.arenasReclaimed} returned`],
  ];
  const c = m.malloc;
  if (c !== undefined) {
    const times = (n: number): string => `${n} time${n === 1 ? '' : 's'}`;
    fields.push([
      'malloc',
      `brk heap ${own(c.heapBytes)} (shrunk ${times(c.trims)}; a freed chunk below a live one stays resident), ${own(c.mmappedBytes)} mmapped (${c.unmaps} returned), mmap threshold ${own(c.mmapThreshold)}`,
    ]);
  }
  return fields;
}

/** A recorded trace: what the real run observed beside the model's figures. */
export function renderRecorded(report: Report, options: RenderOptions): string {
  const c = comparisonRows(report.recorded!, options);
  const notes = c.notes.map((n) => `  ${n}\n`).join('');
  return `${title(c.title, options)}\n${table(c.head, c.aligns, c.rows, options)}\n${notes}`;
}

/** The whole report; every workload string in it reaches the terminal escaped (./escape.ts). */
export function renderText(workloadReport: Report, workloadOptions: LeakRenderOptions): string {
  const report = terminalSafe(workloadReport);
  const options = workloadOptions.source === undefined ? workloadOptions : { ...workloadOptions, source: terminalSafe(workloadOptions.source) };
  const sections: string[] = [renderHeader(report, options)];
  if (report.recorded !== undefined) sections.push(renderRecorded(report, options));
  if (report.functions.length > 0) sections.push(title(SECTION_TITLES.lines, options));
  for (const fn of report.functions) sections.push(renderLineTable(report, fn, options));
  sections.push(renderGc(report, options));
  if (report.callbacks.length > 0) sections.push(renderCallbacks(report, options));
  sections.push(...renderLeakSectionsText(report, options));
  if (report.snapshots.length > 0) sections.push(renderSnapshotsText(report, options));
  sections.push(`${title(SECTION_TITLES.chart, options)}\n${renderChart(report, options)}`);
  sections.push(renderSummary(report, options));
  return sections.join('\n');
}
