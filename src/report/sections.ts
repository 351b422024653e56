// The building blocks of the text report's sections: an underlined title and a cli-table3 table.
import Table from 'cli-table3';
import { markdownCell } from './escape.js';
import type { RenderOptions } from './units.js';

export { markdownCell };

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
