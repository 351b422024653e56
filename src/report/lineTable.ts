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

/** Text of a line that never ran: from the report's sources, else from the caller's. */
export function sourceText(report: Report, file: string, line: number, options: RenderOptions): string {
  // `sources` is optional here so that reports written before it existed still render.
  const fromReport = (report.sources as Report['sources'] | undefined)?.find((s) => s.file === file)?.lines[line - 1];
  return fromReport ?? options.source?.[file]?.[line - 1] ?? '';
}

/** The stats of one function's lines, by line number. */
export function functionLines(report: Report, fn: FunctionReport): Map<number, LineReport> {
  const byLine = new Map<number, LineReport>();
  for (const line of report.lines) {
    if (line.file === fn.file && line.function === fn.function && line.line >= fn.firstLine && line.line <= fn.lastLine) {
      byLine.set(line.line, line);
    }
  }
  return byLine;
}

/** One unit per table, picked from the table's peak. */
export function tableUnit(lines: Iterable<LineReport>, options: RenderOptions): Unit {
  let peak = 0;
  for (const line of lines) peak = Math.max(peak, line.peak, line.memUsage, line.rss ?? 0);
  return chooseUnit(options.unit, peak);
}

/** `Filename: …`, a blank line, the header, the rule and one row per source line; ends with a newline. */
export function renderLineTable(report: Report, fn: FunctionReport, options: RenderOptions): string {
  const byLine = functionLines(report, fn);
  const unit = tableUnit(byLine.values(), options);
  const withRss = report.memory !== undefined;
  const header = withRss ? LINE_TABLE_HEADER_RSS : LINE_TABLE_HEADER;
  const out: string[] = [`Filename: ${fn.file}`, '', header, '='.repeat(header.length)];
  for (let n = fn.firstLine; n <= fn.lastLine; n++) {
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
