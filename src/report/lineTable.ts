// memory_profiler's line-by-line table, character for character (memory_profiler 0.61
// `show_results`): the same row template, the same `=` rule, the same empty cells for lines that
// never ran. Only the unit differs: memory_profiler always prints MiB, we print the table's unit.
import type { FunctionReport, LineReport, Report } from '../model/report.js';
import { chooseUnit, formatMemCell, type RenderOptions, type Unit } from './units.js';

/** Python's `'{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}'`; with a memory model, its RSS column
 * comes right after `Mem usage` (the live bytes) so the two read side by side. */
function row(lineNo: string, mem: string, increment: string, occurrences: string, content: string, rss?: string): string {
  const model = rss === undefined ? '' : ` ${rss.padStart(12)}`;
  return `${lineNo.padStart(6)} ${mem.padStart(12)}${model} ${increment.padStart(12)}  ${occurrences.padStart(10)}   ${content}`;
}

export const LINE_TABLE_HEADER = row('Line #', 'Mem usage', 'Increment', 'Occurrences', 'Line Contents');
/** `--memory-model pymalloc`: the modelled RSS beside memory_profiler's columns. */
export const LINE_TABLE_HEADER_RSS = row('Line #', 'Mem usage', 'Increment', 'Occurrences', 'Line Contents', 'RSS (model)');

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
  const header = withRss ? LINE_TABLE_HEADER_RSS : LINE_TABLE_HEADER;
  const out: string[] = [`Filename: ${fn.file}`, '', header, '='.repeat(header.length)];
  for (const r of tableRows(fn, byLine)) {
    if ('skipped' in r) {
      out.push(row('…', '', '', '', skippedText(r), withRss ? '' : undefined));
      continue;
    }
    const n = r.line;
    const stats = byLine.get(n);
    if (stats === undefined) {
      out.push(row(String(n), '', '', '', sourceText(report, fn.file, n, options), withRss ? '' : undefined));
    } else {
      out.push(
        row(
          String(n),
          formatMemCell(stats.memUsage, unit, options.precision),
          formatMemCell(stats.increment, unit, options.precision),
          String(stats.occurrences),
          stats.content || sourceText(report, fn.file, n, options),
          withRss ? formatMemCell(stats.rss ?? 0, unit, options.precision) : undefined,
        ),
      );
    }
  }
  return `${out.join('\n')}\n`;
}
