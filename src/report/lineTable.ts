// memory_profiler's line-by-line table, character for character (memory_profiler 0.61
// `show_results`): the same row template, the same `=` rule, the same empty cells for lines that
// never ran. Only the unit differs: memory_profiler always prints MiB, we print the table's unit.
import type { FunctionReport, LineReport, Report } from '../model/report.js';
import { chooseUnit, formatMemCell, type RenderOptions, type Unit } from './units.js';

/** The widths of memory_profiler's template `'{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}'`. */
const MIN_WIDTHS = { line: 6, mem: 12, occurrences: 10 } as const;

/** Column widths of one table: memory_profiler's, widened where a cell is longer (`--unit B` on a
 * large figure), so that every column stays aligned. */
export interface LineTableWidths {
  line: number;
  mem: number;
  occurrences: number;
}

export const DEFAULT_WIDTHS: LineTableWidths = { ...MIN_WIDTHS };

/** One row of the template; with a memory model, its RSS columns come right after `Mem usage` (the
 * live bytes) and `Increment`, so each reads beside its live counterpart. */
function row(
  widths: LineTableWidths,
  lineNo: string,
  mem: string,
  increment: string,
  occurrences: string,
  content: string,
  rss?: { usage: string; increment: string },
): string {
  const w = widths.mem;
  const model = rss === undefined ? '' : ` ${rss.usage.padStart(w)}`;
  const modelIncrement = rss === undefined ? '' : ` ${rss.increment.padStart(w)}`;
  return `${lineNo.padStart(widths.line)} ${mem.padStart(w)}${model} ${increment.padStart(w)}${modelIncrement}  ${occurrences.padStart(widths.occurrences)}   ${content}`;
}

const NO_RSS = { usage: '', increment: '' };

/** The header row (the `=` rule under it is as long). */
export function lineTableHeader(withRss: boolean, widths: LineTableWidths = DEFAULT_WIDTHS): string {
  return row(widths, 'Line #', 'Mem usage', 'Increment', 'Occurrences', 'Line Contents', withRss ? { usage: 'RSS (model)', increment: 'RSS incr.' } : undefined);
}

export const LINE_TABLE_HEADER = lineTableHeader(false);
/** `--memory-model pymalloc`: the modelled RSS and its increment beside memory_profiler's columns. */
export const LINE_TABLE_HEADER_RSS = lineTableHeader(true);

/** The report's source lines by file, built once per report. */
const sourcesByReport = new WeakMap<Report, Map<string, string[]>>();

/** Text of a line that never ran: from the report's sources, else from the caller's. */
export function sourceText(report: Report, file: string, line: number, options: RenderOptions): string {
  let sources = sourcesByReport.get(report);
  if (sources === undefined) {
    sources = new Map();
    // `sources` is optional here so that reports written before it existed still render.
    for (const s of (report.sources as Report['sources'] | undefined) ?? []) if (!sources.has(s.file)) sources.set(s.file, s.lines);
    sourcesByReport.set(report, sources);
  }
  const fromReport = sources.get(file)?.[line - 1];
  return fromReport ?? options.source?.[file]?.[line - 1] ?? '';
}

/** The report's line stats by function (file and name), built once per report: a table per function
 * that searched every line would cost functions × lines. */
const linesByReport = new WeakMap<Report, Map<string, LineReport[]>>();

function functionKey(file: string, fn: string): string {
  return `${file}\u0000${fn}`;
}

/** The stats of one function's lines, by line number. */
export function functionLines(report: Report, fn: FunctionReport): Map<number, LineReport> {
  let index = linesByReport.get(report);
  if (index === undefined) {
    index = new Map();
    for (const line of report.lines) {
      const key = functionKey(line.file, line.function);
      const list = index.get(key);
      if (list === undefined) index.set(key, [line]);
      else list.push(line);
    }
    linesByReport.set(report, index);
  }
  const byLine = new Map<number, LineReport>();
  for (const line of index.get(functionKey(fn.file, fn.function)) ?? []) {
    if (line.line >= fn.firstLine && line.line <= fn.lastLine) byLine.set(line.line, line);
  }
  return byLine;
}

/** Runs of more lines than this that never ran are one `…` row (see `tableRows`). */
export const MAX_GAP = 10;

/** A row of a function's table: a source line, or a run of lines that never ran, left out. */
export type TableRow = { line: number } | { skipped: number; from: number; to: number };

/**
 * The rows of a function's table. memory_profiler shows every line of a function; so do we, from its
 * first line (the `def`) to its last that ran, except that a run of more than MAX_GAP lines that
 * never ran becomes one row saying how many were skipped — a trace may name lines 1 and 100,000,000
 * of a file it has no source for. Shorter runs (an untaken branch, blank lines, comments) stay, so a
 * function reads as its source does. The rows cost what they print plus sorting the lines that ran.
 */
export function tableRows(fn: FunctionReport, byLine: Map<number, LineReport>): TableRow[] {
  const anchors = [...byLine.keys(), fn.firstLine, fn.lastLine].sort((a, b) => a - b);
  const rows: TableRow[] = [];
  let previous: number | undefined;
  for (const n of anchors) {
    if (n === previous) continue;
    if (previous !== undefined) {
      const gap = n - previous - 1;
      if (gap > MAX_GAP) rows.push({ skipped: gap, from: previous + 1, to: n - 1 });
      else for (let k = previous + 1; k < n; k++) rows.push({ line: k });
    }
    rows.push({ line: n });
    previous = n;
  }
  return rows;
}

/** The text of a skipped run's row. */
export function skippedText(row: { skipped: number; from: number; to: number }): string {
  return `(${row.skipped} lines skipped: ${row.from}–${row.to} never ran)`;
}

/** One unit per table, picked from the table's peak. */
export function tableUnit(lines: Iterable<LineReport>, options: RenderOptions): Unit {
  let peak = 0;
  for (const line of lines) peak = Math.max(peak, line.peak, line.memUsage, line.rss ?? 0);
  return chooseUnit(options.unit, peak);
}

/** `Filename: …`, a blank line, the header, the rule and one row per source line (see `tableRows`);
 * ends with a newline. */
export function renderLineTable(report: Report, fn: FunctionReport, options: RenderOptions): string {
  const byLine = functionLines(report, fn);
  const unit = tableUnit(byLine.values(), options);
  const withRss = report.memory !== undefined;
  const cell = (bytes: number): string => formatMemCell(bytes, unit, options.precision);
  type Cells = { line: string; mem: string; increment: string; occurrences: string; content: string; rss?: { usage: string; increment: string } };
  const rows: Cells[] = [];
  for (const r of tableRows(fn, byLine)) {
    if ('skipped' in r) {
      rows.push({ line: '…', mem: '', increment: '', occurrences: '', content: skippedText(r), ...(withRss ? { rss: NO_RSS } : {}) });
      continue;
    }
    const n = r.line;
    const stats = byLine.get(n);
    if (stats === undefined) {
      rows.push({ line: String(n), mem: '', increment: '', occurrences: '', content: sourceText(report, fn.file, n, options), ...(withRss ? { rss: NO_RSS } : {}) });
      continue;
    }
    const cells: Cells = {
      line: String(n),
      mem: cell(stats.memUsage),
      increment: cell(stats.increment),
      occurrences: String(stats.occurrences),
      content: stats.content || sourceText(report, fn.file, n, options),
    };
    if (withRss) cells.rss = { usage: cell(stats.rss ?? 0), increment: cell(stats.rssIncrement ?? 0) };
    rows.push(cells);
  }
  const widths: LineTableWidths = { ...MIN_WIDTHS };
  for (const c of rows) {
    widths.line = Math.max(widths.line, c.line.length);
    widths.mem = Math.max(widths.mem, c.mem.length, c.increment.length, c.rss?.usage.length ?? 0, c.rss?.increment.length ?? 0);
    widths.occurrences = Math.max(widths.occurrences, c.occurrences.length);
  }
  const header = lineTableHeader(withRss, widths);
  const out: string[] = [`Filename: ${fn.file}`, '', header, '='.repeat(header.length)];
  for (const c of rows) out.push(row(widths, c.line, c.mem, c.increment, c.occurrences, c.content, c.rss));
  return `${out.join('\n')}\n`;
}
