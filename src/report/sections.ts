// The building blocks of the text report's sections: an underlined title and a cli-table3 table.
import Table from 'cli-table3';
import { markdownCell } from './escape.js';
import type { GcPass } from '../model/report.js';
import type { RenderOptions } from './units.js';

export { markdownCell };

/** The report's section titles: the text report and the Markdown one use these same words. */
export const SECTION_TITLES = {
  lines: 'Line by line',
  gc: 'Garbage collection',
  callbacks: 'Finalizers and weakref callbacks, in the order they ran',
  classes: 'Live objects at the end, by class',
  cycles: 'Leaked cycles',
  uncollectable: 'Uncollectable objects (gc.garbage), by allocating line',
  external: 'External leaks (incref without decref), by allocating line',
  gcFreed: 'Freed only by the cyclic collector, by allocating line',
  reachable: 'Reachable objects, by allocating line',
  snapshots: 'Snapshots',
  chart: 'Memory over time',
  summary: 'Summary',
} as const;

/** Most rows of a table in a report: a trace of millions of events still renders at once. */
export const MAX_ROWS = 30;

/** The passes that found most unreachable objects (MAX_ROWS of them, the earliest among equals), in the order they ran. */
export function shownPasses<P extends Pick<GcPass, 'result'>>(passes: P[]): P[] {
  if (passes.length <= MAX_ROWS) return passes;
  const order = passes.map((_, i) => i);
  order.sort((a, b) => passes[b]!.result - passes[a]!.result || a - b);
  return order
    .slice(0, MAX_ROWS)
    .sort((a, b) => a - b)
    .map((i) => passes[i]!);
}

/** What the pass table leaves out and which passes it shows; null when it shows them all. */
export function passesFooter(passes: Pick<GcPass, 'result'>[]): string | null {
  if (passes.length <= MAX_ROWS) return null;
  const hidden = `… ${passes.length - MAX_ROWS} more passes not shown`;
  const found = passes.filter((p) => p.result > 0).length;
  const all = '(--format json lists all)';
  if (found >= MAX_ROWS) return `${hidden}: the table shows the ${MAX_ROWS} that found the most unreachable objects, in the order they ran ${all}`;
  if (found === 0) return `${hidden}; none found unreachable objects: the table shows the first ${MAX_ROWS} ${all}`;
  const finders = found === 1 ? 'the pass that found unreachable objects' : `the ${found} passes that found unreachable objects`;
  return `${hidden}, all of which found none: the table shows ${finders}, then the first ${MAX_ROWS - found} of the ${passes.length - found} that found none ${all}`;
}

const ANSI_BOLD = '\x1b[1m';
const ANSI_RESET = '\x1b[0m';

/** A section title underlined with dashes (bold on a colour terminal). */
export function title(text: string, options: RenderOptions): string {
  const rule = '-'.repeat(text.length);
  return options.color ? `${ANSI_BOLD}${text}${ANSI_RESET}\n${rule}` : `${text}\n${rule}`;
}

export function table(head: string[], aligns: ('left' | 'right')[], rows: (string | number)[][], options: RenderOptions): string {
  const t = new Table({
    head,
    colAligns: aligns,
    // cli-table3 colours headers red by default; a file or a pipe gets plain text.
    style: { head: options.color ? ['cyan'] : [], border: [], compact: true },
  });
  t.push(...rows);
  return t.toString();
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(head: string[], aligns: ('left' | 'right')[], rows: (string | number)[][]): string {
  return [
    `| ${head.map(markdownCell).join(' | ')} |`,
    `|${aligns.map((a) => (a === 'right' ? '---:' : ':---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(markdownCell).join(' | ')} |`),
  ].join('\n');
}
