// `--format markdown`: the text report's sections as GitHub-flavoured Markdown (a PR comment, a
// job summary). Line tables become Markdown tables; the chart goes in a fenced block.
import { formatTime, renderChart } from './chart.js';
import { functionLines, skippedText, sourceText, tableRows, tableUnit } from './lineTable.js';
import { hasLiveObjects, renderLeakSectionsMarkdown, renderSnapshotsMarkdown, type LeakRenderOptions } from './leaks.js';
import type { FunctionReport, Report } from '../model/report.js';
import { chooseUnit, formatBytes, formatMemCell, type RenderOptions } from './units.js';
import { markdownTable, MAX_ROWS, passesFooter, SECTION_TITLES, shownPasses } from './sections.js';
import { comparisonRows } from './recorded.js';
import { memoryModelFields } from './text.js';
import { markdownFence, markdownText, terminalSafe } from './escape.js';
import { CUT_FIRST, fitMarkdown, type MarkdownSection } from './fit.js';

/** A table cell: pipes escaped (GFM splits cells on them even inside code spans). */

/**
 * Source text as a code span. Leading indentation becomes no-break spaces, which HTML does not
 * collapse, so nesting stays visible; the fence is longer than any run of backticks inside.
 */
export function codeSpan(text: string): string {
  if (text.trim() === '') return '';
  const indent = /^[ \t]*/.exec(text)![0];
  const body = '\u00a0'.repeat(indent.replace(/\t/g, '    ').length) + text.slice(indent.length).trimEnd();
  let fence = '`';
  for (const run of body.match(/`+/g) ?? []) if (run.length >= fence.length) fence = '`'.repeat(run.length + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

function lineTable(report: Report, fn: FunctionReport, options: RenderOptions): string {
  const byLine = functionLines(report, fn);
  const unit = tableUnit(byLine.values(), options);
  // With a memory model, the modelled RSS and its increment beside memory_profiler's figures, as in text.
  const withRss = report.memory !== undefined;
  const cell = (bytes: number): string => formatMemCell(bytes, unit, options.precision).trim();
  const blank = withRss ? ['', '', '', '', ''] : ['', '', ''];
  const rows: (string | number)[][] = [];
  for (const r of tableRows(fn, byLine)) {
    if ('skipped' in r) {
      rows.push(['…', ...blank, `_${skippedText(r)}_`]);
      continue;
    }
    const n = r.line;
    const stats = byLine.get(n);
    const content = codeSpan(stats?.content || sourceText(report, fn.file, n, options));
    if (stats === undefined) rows.push([n, ...blank, content]);
    else if (withRss) {
      rows.push([n, cell(stats.memUsage), cell(stats.rss ?? 0), cell(stats.increment), cell(stats.rssIncrement ?? 0), stats.occurrences, content]);
    } else rows.push([n, cell(stats.memUsage), cell(stats.increment), stats.occurrences, content]);
  }
  const header = withRss
    ? ['Line #', 'Mem usage', 'RSS (model)', 'Increment', 'RSS incr.', 'Occurrences', 'Line Contents']
    : ['Line #', 'Mem usage', 'Increment', 'Occurrences', 'Line Contents'];
  return `### ${codeSpan(fn.function)} in ${codeSpan(fn.file)}\n\n${markdownTable(
    header,
    header.map((h) => (h === 'Line Contents' ? 'left' : 'right')),
    rows,
  )}\n`;
}

/** The whole report; workload strings are code spans or escaped text (./escape.ts), never markup. */
export function renderMarkdown(workloadReport: Report, workloadOptions: LeakRenderOptions): string {
  const report = terminalSafe(workloadReport);
  const options = workloadOptions.source === undefined ? workloadOptions : { ...workloadOptions, source: terminalSafe(workloadOptions.source) };
  const plain: RenderOptions = { ...options, color: false };
  const { workload, summary, gc } = report;
  const sections: MarkdownSection[] = [];
  /** A section, named in the note on what was cut by its `## ` title (or `label`). */
  const add = (text: string, options: Partial<MarkdownSection> = {}): void => {
    sections.push({ text, label: /^## (.*)/.exec(text)?.[1] ?? 'a section', rank: CUT_FIRST.other, ...options });
  };

  add(
    `# memprof report: ${markdownText(workload.name)}\n\n${markdownTable(
      ['workload file', 'events', 'Python model', 'memory model'],
      ['left', 'right', 'left', 'left'],
      [[codeSpan(workload.file), workload.events, `CPython ${workload.python}`, workload.memoryModel]],
    )}\n`,
    { label: 'the header', keep: true },
  );

  if (report.recorded !== undefined) {
    const c = comparisonRows(report.recorded, plain);
    add(`## ${c.title}\n\n${markdownTable(c.head, c.aligns, c.rows)}\n${c.notes.map((n) => `\n${n}\n`).join('')}`);
  }

  add(`## ${SECTION_TITLES.lines}\n`);
  for (const fn of report.functions) {
    add(lineTable(report, fn, plain), { label: `the line table of ${codeSpan(fn.function)}`, rank: CUT_FIRST.lineTable, lineTable: codeSpan(fn.function) });
  }

  const gcParts = [
    `## ${SECTION_TITLES.gc}\n\nthreshold (${gc.threshold.join(', ')}), count at the end (${gc.count.join(', ')}), ` +
      `automatic collection ${gc.enabled ? 'enabled' : 'disabled'}\n`,
  ];
  gcParts.push(
    gc.passes.length === 0
      ? 'No collection ran.\n'
      : `${markdownTable(
          ['event', 'line', 'generation', 'trigger', 'examined', 'collected', 'uncollectable', 'survivors'],
          ['right', 'left', 'right', 'left', 'right', 'right', 'right', 'right'],
          shownPasses(gc.passes).map((p) => [
            p.event,
            p.line === null ? '-' : markdownText(`${p.file}:${p.line}`),
            p.generation,
            p.trigger === 'collect' ? '`gc.collect()`' : 'threshold',
            p.examined,
            p.collected,
            p.uncollectable,
            p.survivors,
          ]),
        )}\n${passesFooter(gc.passes) === null ? '' : `\n${markdownText(passesFooter(gc.passes)!)}\n`}`,
  );
  gcParts.push(
    `${markdownTable(
      ['generation', 'threshold', 'count', 'collections', 'collected', 'uncollectable'],
      ['right', 'right', 'right', 'right', 'right', 'right'],
      gc.stats.map((s, g) => [g, gc.threshold[g]!, gc.count[g]!, s.collections, s.collected, s.uncollectable]),
    )}\n`,
  );
  if (gc.garbage.length > 0) {
    const more = gc.garbage.length > MAX_ROWS ? `, … ${gc.garbage.length - MAX_ROWS} more` : '';
    gcParts.push(`\`gc.garbage\` (${gc.garbage.length}): ${gc.garbage.slice(0, MAX_ROWS).map(codeSpan).join(', ')}${more}\n`);
  }
  add(gcParts.join('\n'));

  if (report.callbacks.length > 0) {
    add(
      `## ${SECTION_TITLES.callbacks}\n\n${markdownTable(
        ['event', 'kind', 'object', 'label', 'during'],
        ['right', 'left', 'left', 'left', 'left'],
        report.callbacks.slice(0, MAX_ROWS).map((c) => [
          c.event,
          c.kind === 'finalizer' ? 'finalizer' : 'weakref callback',
          codeSpan(c.id),
          markdownText(c.label ?? ''),
          c.during === 'gc' ? 'cyclic GC' : 'refcount',
        ]),
      )}\n${report.callbacks.length > MAX_ROWS ? `\n… ${report.callbacks.length - MAX_ROWS} more not shown (\`--format json\` lists all)\n` : ''}`,
    );
  }

  if (report.leaks && hasLiveObjects(report.leaks)) {
    const l = report.leaks;
    const classes = [
      ['reachable', l.reachable],
      ['frozen', l.frozen],
      ['uncollectable', l.uncollectable],
      ['external', l.external],
      ['cyclic', l.cyclic],
    ] as const;
    const unit = chooseUnit(options.unit, Math.max(...classes.map(([, c]) => c.bytes)));
    add(
      `## ${SECTION_TITLES.classes}\n\n${markdownTable(
        ['class', 'objects', 'bytes'],
        ['left', 'right', 'right'],
        classes.map(([name, c]) => [name, c.objects, formatBytes(c.bytes, unit, options.precision)]),
      )}\n`,
    );
  }

  for (const section of renderLeakSectionsMarkdown(report, options)) add(section);
  if (report.snapshots.length > 0) add(renderSnapshotsMarkdown(report, plain), { rank: CUT_FIRST.snapshots });

  add(`## ${SECTION_TITLES.chart}\n\n${markdownFence(renderChart(report, plain))}`);

  const unit = chooseUnit(options.unit, summary.peakBytes);
  const bytes = (n: number): string => formatBytes(n, unit, options.precision);
  const peakWhere = summary.peakLine ? markdownText(`${summary.peakLine.file}:${summary.peakLine.line}`) : '-';
  add(
    `## ${SECTION_TITLES.summary}\n\n${markdownTable(
      ['peak', 'at', 'event', 't', 'final', 'allocated', 'freed', 'objects allocated', 'objects freed', 'objects live'],
      ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      [
        [
          bytes(summary.peakBytes),
          peakWhere,
          summary.peakEvent,
          formatTime(summary.peakT),
          bytes(summary.finalBytes),
          bytes(summary.allocatedBytes),
          bytes(summary.freedBytes),
          summary.objectsAllocated,
          summary.objectsFreed,
          summary.objectsLive,
        ],
      ],
    )}\n`,
    { label: 'the summary', keep: true },
  );
  const allocators = memoryModelFields(report, options);
  if (allocators.length > 0) {
    add(`${markdownTable(['memory model', ''], ['left', 'left'], allocators.map(([k, v]) => [k, markdownText(v)]))}\n`, { label: 'the memory model figures', keep: true });
  }
  return fitMarkdown(sections);
}
