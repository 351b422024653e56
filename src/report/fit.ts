// A Markdown report goes into a pull-request comment, whose body GitHub limits to 65,536
// characters. Lists are already capped (sections.ts MAX_ROWS), but a workload with hundreds of
// functions, snapshots or long source lines can still pass the limit. Then sections are cut in a
// fixed order until the report fits: snapshots first, then the line tables from the last function
// back, then the other sections from the end of the report back; the header and the summary stay.
// A section that can keep its first rows loses only its last ones. A note under the header says
// what was cut. Lengths are UTF-16 code units, never fewer than the characters GitHub counts.

/** GitHub's limit on the body of an issue or pull-request comment. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** In which order sections are cut: a lower rank first, the later one first within a rank. */
export const CUT_FIRST = { snapshots: 0, lineTable: 1, other: 2 } as const;

export interface MarkdownSection {
  text: string;
  /** How the note names the section when it is cut: "Snapshots", "the line table of `f`". */
  label: string;
  rank: number;
  /** Sections that are never cut (the header, the summary). */
  keep?: boolean;
  /** A line table: the note names those it cut together, by their function. */
  lineTable?: string;
}

const FENCE = /^(`{3,}|~{3,})/;
const TABLE_ROW = /^\|/;
const DELIMITER_ROW = /^\|(?:\s*:?-+:?\s*\|)+\s*$/;

/**
 * The longest prefix of `text` no longer than `room` that ends after a table body row outside any
 * fenced block, with the rows and lines it leaves out; null when there is no such prefix.
 */
function cutAtRow(text: string, room: number): { kept: string; rows: number } | null {
  const lines = text.split('\n');
  let fence: string | null = null;
  let inTable = false;
  let length = 0;
  let best = -1;
  const bodyRows: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    length += line.length + 1;
    if (fence !== null) {
      const t = line.trim();
      if (t.length >= fence.length && [...t].every((c) => c === fence![0])) fence = null;
      continue;
    }
    const open = FENCE.exec(line);
    if (open) {
      fence = open[1]!;
      inTable = false;
      continue;
    }
    if (DELIMITER_ROW.test(line) && i > 0 && TABLE_ROW.test(lines[i - 1]!)) {
      inTable = true;
      continue;
    }
    if (inTable && TABLE_ROW.test(line)) {
      bodyRows.push(i);
      if (length <= room) best = i;
      continue;
    }
    inTable = false;
  }
  if (best < 0) return null;
  const kept = lines.slice(0, best + 1).join('\n');
  return { kept, rows: bodyRows.filter((i) => i > best).length };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Joins the sections (as `sections.join('\n')` would) and, when that passes `limit`, cuts sections
 * in CUT_FIRST order until the whole, the note included, fits. The note goes after the first section.
 */
export function fitMarkdown(sections: MarkdownSection[], limit = GITHUB_COMMENT_LIMIT): string {
  const joined = sections.map((s) => s.text).join('\n');
  if (joined.length <= limit) return joined;

  const texts = sections.map((s) => s.text);
  /** What was cut, in the order it was: a section, or `rows` of its last rows. */
  const cuts: { section: MarkdownSection; rows?: number }[] = [];
  const note = (): string => {
    const phrases: string[] = [];
    const tables = cuts.filter((c) => c.rows === undefined && c.section.lineTable !== undefined);
    for (const c of cuts) {
      if (c.rows !== undefined) phrases.push(`the last ${plural(c.rows, 'row')} of ${c.section.label}`);
      else if (c.section.lineTable === undefined || tables.length === 1) phrases.push(c.section.label);
      // Line tables are cut from the last function back: the ones cut are the last ones.
      else if (c === tables[0]) phrases.push(`the line tables of the last ${tables.length} functions (from ${tables[tables.length - 1]!.section.lineTable} on)`);
    }
    return (
      `> **Shortened to stay under GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')}-character comment limit.** ` +
      `Left out: ${phrases.join('; ')}. \`memprof run --format text\` or \`--format json\` gives the whole report.\n`
    );
  };
  const total = (): number => texts.reduce((n, t) => n + t.length + 1, 0) + note().length + 1;

  const order = sections.map((_, i) => i).filter((i) => !sections[i]!.keep);
  order.sort((a, b) => sections[a]!.rank - sections[b]!.rank || b - a);
  for (const i of order) {
    if (total() <= limit) break;
    const section = sections[i]!;
    // Keep the section's first rows if that is enough: count it as cut, then see what fits.
    const cut: { section: MarkdownSection; rows?: number } = { section, rows: 0 };
    cuts.push(cut);
    const marker = '\n\n_… rows cut here (see the note at the top)._\n';
    // 16: the digits the row count may add to the note.
    const room = texts[i]!.length - (total() - limit) - marker.length - 16;
    const rows = room > 0 ? cutAtRow(texts[i]!, room) : null;
    if (rows !== null && rows.rows > 0) {
      cut.rows = rows.rows;
      texts[i] = `${rows.kept}${marker}`;
      continue;
    }
    delete cut.rows;
    texts[i] = '';
  }
  const kept = texts.filter((t) => t !== '');
  const body = [kept[0]!, note(), ...kept.slice(1)].join('\n');
  // Only the sections never cut (the header, the summary) can still be too long: cut the text.
  if (body.length <= limit) return body;
  const tail = '\n\n_… cut at the comment limit._\n';
  return body.slice(0, limit - tail.length) + tail;
}
