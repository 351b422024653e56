// The run report's sections: the same titles in text and Markdown, the gc pass table capped alike
// with a footer that says which passes it shows, and a Markdown report that stays under GitHub's
// comment limit for any workload, saying what it left out.
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/model/report.js';
import { replayWorkload } from '../src/replay/replay.js';
import { fitMarkdown, GITHUB_COMMENT_LIMIT, type MarkdownSection } from '../src/report/fit.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { passesFooter, SECTION_TITLES } from '../src/report/sections.js';
import { renderText } from '../src/report/text.js';
import type { RenderOptions } from '../src/report/units.js';
import { loadWorkload } from '../src/workload/load.js';
import type { LoadedWorkload, SourcedEvent } from '../src/workload/loaded.js';
import { headerSchema, type PlainEvent } from '../src/workload/schema.js';

const OPTIONS = { unit: 'auto', precision: 1, color: false, showReachable: true } as const satisfies RenderOptions & { showReachable: boolean };

async function replayFile(file: string): Promise<Report> {
  return (await replayWorkload(await loadWorkload(file))).report;
}

async function replayInline(header: Record<string, unknown>, events: PlainEvent[]): Promise<Report> {
  function* sourced(): Iterable<SourcedEvent> {
    let index = 0;
    for (const event of events) {
      yield { event, index, path: `events[${index}]`, iterations: [] };
      index++;
    }
  }
  const workload: LoadedWorkload = { file: 'big.json', header: headerSchema.parse({ version: 1, ...header }), events: sourced() };
  return (await replayWorkload(workload)).report;
}

/** Text titles are underlined with dashes; Markdown's are `## ` headings. */
function textTitles(text: string): string[] {
  const lines = text.split('\n');
  return lines.filter((l, i) => l.length > 0 && lines[i + 1] === '-'.repeat(l.length));
}

function markdownTitles(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('## '))
    .map((l) => l.slice(3));
}

describe('section titles', () => {
  for (const file of ['fixtures/leaks/lru_cache.json', 'fixtures/leaks/external.json', 'fixtures/leaks/saveall.json', 'fixtures/leaks/churn.json', 'workloads/weakref_cache.json']) {
    it(`${file}: text and Markdown have the same sections, under the same titles`, async () => {
      const report = await replayFile(file);
      const titles = textTitles(renderText(report, OPTIONS));
      expect(markdownTitles(renderMarkdown(report, OPTIONS))).toEqual(titles);
      expect(titles.every((t) => (Object.values(SECTION_TITLES) as string[]).includes(t))).toBe(true);
    });
  }

  it('lru_cache has the leak sections, snapshots and reachable lines', async () => {
    expect(textTitles(renderText(await replayFile('fixtures/leaks/lru_cache.json'), OPTIONS))).toEqual([
      'Line by line',
      'Garbage collection',
      'Live objects at the end, by class',
      'Leaked cycles',
      'Reachable objects, by allocating line',
      'Snapshots',
      'Memory over time',
      'Summary',
    ]);
  });
});

describe('the gc pass table', () => {
  const passes = (results: number[]): { result: number }[] => results.map((result) => ({ result }));

  it('says which passes it shows when it cannot show them all', () => {
    expect(passesFooter(passes(new Array(30).fill(0)))).toBeNull();
    expect(passesFooter(passes([...new Array(32).fill(0), 2]))).toBe(
      '… 3 more passes not shown, all of which found none: the table shows the pass that found unreachable objects, then the first 29 of the 32 that found none (--format json lists all)',
    );
    expect(passesFooter(passes([5, ...new Array(30).fill(0), 2]))).toBe(
      '… 2 more passes not shown, all of which found none: the table shows the 2 passes that found unreachable objects, then the first 28 of the 30 that found none (--format json lists all)',
    );
    expect(passesFooter(passes(new Array(31).fill(0)))).toBe('… 1 more passes not shown; none found unreachable objects: the table shows the first 30 (--format json lists all)');
    expect(passesFooter(passes(new Array(40).fill(1)))).toBe(
      '… 10 more passes not shown: the table shows the 30 that found the most unreachable objects, in the order they ran (--format json lists all)',
    );
  });

  it('gc_long_lived_delay: 33 passes, 30 rows in text and in Markdown, the same footer under both', async () => {
    const report = await replayFile('workloads/gc_long_lived_delay.json');
    expect(report.gc.passes).toHaveLength(33);
    const footer =
      '… 3 more passes not shown, all of which found none: the table shows the pass that found unreachable objects, then the first 29 of the 32 that found none (--format json lists all)';
    const text = renderText(report, OPTIONS);
    expect(text).toContain(`┘\n  ${footer}\n`);
    expect(text.split('\n').filter((l) => /│ threshold +│ +\d/.test(l))).toHaveLength(30);
    const markdown = renderMarkdown(report, OPTIONS);
    expect(markdown).toContain(`|\n\n${footer}\n`);
    expect(markdown.split('\n').filter((l) => /^\| \d+ \| .* \| threshold \| \d/.test(l))).toHaveLength(30);
  });
});

describe("a Markdown report fits in a GitHub comment (65,536 characters)", () => {
  /** 300 functions of 40 lines each, and 200 snapshots: some 2 MB of Markdown before cutting. */
  async function bigReport(): Promise<Report> {
    const lines: string[] = [];
    const events: PlainEvent[] = [];
    const functions = 300;
    for (let f = 0; f < functions; f++) {
      lines.push(`def step_${f}(n):`);
      for (let k = 0; k < 40; k++) lines.push(`    rows_${k} = [[] for _ in range(n)]  # ${'x'.repeat(60)}`);
      lines.push('');
    }
    lines.push('main()');
    const main = lines.length;
    for (let f = 0; f < functions; f++) {
      events.push({ op: 'call', function: `step_${f}`, line: main });
      for (let k = 0; k < 40; k++) events.push({ op: 'alloc', id: `o${f}_${k}`, type: 'list', items: [], as: `v${k}`, line: f * 42 + 2 + k });
      events.push({ op: 'return', line: f * 42 + 41 });
    }
    for (let i = 0; i < 200; i++) events.push({ op: 'snapshot', label: `s${i}`, line: main });
    return replayInline({ name: 'big', source: { file: 'big.py', lines } }, events);
  }

  it('cuts snapshots first, then line tables from the last function back, and says so under the header', async () => {
    const markdown = renderMarkdown(await bigReport(), OPTIONS);
    expect(markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const lines = markdown.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      '# memprof report: big',
      '',
      '| workload file | events | Python model | memory model |',
      '|:---|---:|:---|:---|',
      '| `big.json` | 12800 | CPython 3.11 | live |',
      '',
      "> **Shortened to stay under GitHub's 65,536-character comment limit.** Left out: Snapshots; the line tables of the last 289 functions (from `step_12` on); the last 32 rows of the line table of `step_11`. `memprof run --format text` or `--format json` gives the whole report.",
      '',
    ]);
    expect(markdownTitles(markdown)).toEqual(['Line by line', 'Garbage collection', 'Memory over time', 'Summary']);
    expect(lines.filter((l) => l.startsWith('### '))).toEqual(Array.from({ length: 12 }, (_, f) => `### \`step_${f}\` in \`big.py\``));
    expect(markdown).toContain('\n\n_… rows cut here (see the note at the top)._\n\n## Garbage collection\n');
    // The chart's fence is whole and the summary is there.
    expect(markdown.split('\n').filter((l) => l.startsWith('```'))).toEqual(['```text', '```']);
    expect(markdown).toContain('| 2.2 KiB | big.py:41 | 40 | 40 | 0.0 KiB |');
  });

  it('a report that fits is left as it is', async () => {
    const report = await replayFile('fixtures/leaks/lru_cache.json');
    expect(renderMarkdown(report, OPTIONS)).not.toContain('Shortened');
  });

  it('a section that cannot keep a row is left out whole; text the limit still cannot hold is cut last', () => {
    const section = (text: string, label: string, extra: Partial<MarkdownSection> = {}): MarkdownSection => ({ text, label, rank: 2, ...extra });
    const table = `## T\n\n| a |\n|---:|\n${Array.from({ length: 200 }, (_, i) => `| ${i} |`).join('\n')}\n`;
    const sections = [section('# head\n', 'the header', { keep: true }), section(table, 'T'), section('## F\n\n```text\nchart\n```\n', 'F'), section('## S\n', 'the summary', { keep: true })];
    const whole = sections.map((s) => s.text).join('\n');
    expect(fitMarkdown(sections, whole.length)).toBe(whole);
    // F, the later section, goes first, then T keeps its first rows.
    const fitted = fitMarkdown(sections, 800);
    expect(fitted.length).toBeLessThanOrEqual(800);
    expect(fitted).toMatch(/^# head\n\n> \*\*Shortened to stay under GitHub's 65,536-character comment limit\.\*\* Left out: F; the last (\d+) rows of T\. /);
    expect(fitted).toContain('| 0 |\n| 1 |\n');
    expect(fitted.endsWith('_… rows cut here (see the note at the top)._\n\n## S\n')).toBe(true);
    const kept = fitted.split('\n').filter((l) => /^\| \d+ \|$/.test(l)).length;
    expect(Number(/the last (\d+) rows/.exec(fitted)![1]) + kept).toBe(200);
    expect(kept).toBeGreaterThan(50);
    // A header longer than the limit is cut at the limit.
    const long = fitMarkdown([section(`# ${'h'.repeat(2000)}\n`, 'the header', { keep: true }), section('## S\n', 'the summary', { keep: true })], 1000);
    expect(long.length).toBe(1000);
    expect(long.endsWith('\n\n_… cut at the comment limit._\n')).toBe(true);
  });
});
