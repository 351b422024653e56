// `memprof check` as text (one PASS/FAIL line per workload with its figures), Markdown and JSON.
// Only renders: the figures, limits and violations come from the check results.
import { LIMIT_FLAGS, SIZE_LIMITS } from '../analysis/limitFlags.js';
import { LIMIT_LABELS } from '../analysis/limits.js';
import { LIMIT_NAMES, type CheckReport, type CheckResult, type CheckStatus, type LimitName } from '../model/report.js';
import { formatCount, shapeText, typeList } from './leaks.js';
import { formatBytesAuto, type RenderOptions } from './units.js';
import { markdownCell, markdownCode, markdownText, terminalSafe, terminalSafeJson } from './escape.js';
import { CUT_FIRST, fitMarkdown, type MarkdownSection } from './fit.js';

const STATUS_TEXT: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', invalid: 'INVALID', error: 'ERROR' };
const STATUS_COLOR: Record<CheckStatus, string> = { pass: '\x1b[32m', fail: '\x1b[31m', invalid: '\x1b[31m', error: '\x1b[31m' };
const ANSI_RESET = '\x1b[0m';
/** Leak details listed under a FAIL line. */
const DETAILS_SHOWN = 5;

/** A size in the chosen unit, a count with thousands separators (`12,000`) as in the leak details. */
export function formatFigure(limit: LimitName, value: number, options: RenderOptions): string {
  return SIZE_LIMITS.has(limit) ? formatBytesAuto(value, options.unit, options.precision) : formatCount(value);
}

/** Where a limit came from, as a check line says it: `default`, `workload`, or the flag's name. */
export function limitSourceText(result: CheckResult, limit: LimitName): string {
  const source = result.limitSources[limit];
  return source === 'flag' ? `--${LIMIT_FLAGS[limit]}` : (source ?? '');
}

/** `2 > 0 (default)`, `4.0 MiB ≤ 8.0 MiB (workload)`, `0`: a figure, and its limit with where it came from. */
export function figureValueText(result: CheckResult, limit: LimitName, options: RenderOptions): string {
  const value = result.figures![limit];
  const max = result.limits[limit];
  const figure = formatFigure(limit, value, options);
  if (max === undefined) return figure;
  return `${figure} ${value > max ? '>' : '≤'} ${formatFigure(limit, max, options)} (${limitSourceText(result, limit)})`;
}

/** `leaked objects 2 > 0 (default)`, `peak 4.0 MiB ≤ 8.0 MiB (--max-peak)`, `leaked cycles 0`. */
export function figureText(result: CheckResult, limit: LimitName, options: RenderOptions): string {
  return `${LIMIT_LABELS[limit]} ${figureValueText(result, limit, options)}`;
}

/** `lru-cache (fixtures/leaks/lru_cache.json)`, or the file alone when the workload has no name. */
export function workloadTitle(result: CheckResult): string {
  return result.name === result.file ? result.file : `${result.name} (${result.file})`;
}

/** What leaked, one line each: the leaked cycles by shape, largest first, then uncollectable and external lines. */
export function leakDetails(result: CheckResult, options: RenderOptions): string[] {
  const leaks = result.leaks;
  if (leaks === null) return [];
  const bytes = (n: number): string => formatBytesAuto(n, options.unit, options.precision);
  const objects = (n: number): string => `${formatCount(n)} object${n === 1 ? '' : 's'}`;
  const lines: string[] = [];
  for (const shape of leaks.cyclic.shapes) lines.push(`leaked ${shapeText(shape, options)}`);
  for (const [label, sites] of [
    ['uncollectable (gc.garbage)', leaks.uncollectable.sites],
    ['external (incref without decref)', leaks.external.sites],
  ] as const) {
    for (const s of sites) lines.push(`${label}: ${objects(s.objects)}, ${bytes(s.bytes)} (${typeList(s.types)}) allocated at ${s.file}:${s.line}${s.content.trim() ? `  ${s.content.trim()}` : ''}`);
  }
  return lines;
}

/** One result, and under a FAIL its leak details; workload strings escaped (./escape.ts). */
export function renderCheckLine(workloadResult: CheckResult, options: RenderOptions): string {
  const result = terminalSafe(workloadResult);
  const status = STATUS_TEXT[result.status].padEnd(7);
  const label = options.color ? `${STATUS_COLOR[result.status]}${status}${ANSI_RESET}` : status;
  if (result.figures === null) {
    // Input problems already start with the file's name.
    const problem = result.problems[0] ?? '';
    return `${label}  ${problem.startsWith(`${result.file}:`) ? problem : `${result.file}: ${problem}`}\n`;
  }
  const figures = LIMIT_NAMES.map((limit) => figureText(result, limit, options)).join(', ');
  let text = `${label}  ${workloadTitle(result)}: ${figures}\n`;
  if (result.status === 'fail') {
    const details = leakDetails(result, options);
    for (const d of details.slice(0, DETAILS_SHOWN)) text += `         ${d}\n`;
    if (details.length > DETAILS_SHOWN) text += `         … ${details.length - DETAILS_SHOWN} more\n`;
  }
  return text;
}

export function renderCheckSummary(report: CheckReport): string {
  const s = report.summary;
  const parts = [`${s.passed} passed`, `${s.failed} failed`];
  if (s.invalid > 0) parts.push(`${s.invalid} invalid`);
  if (s.errors > 0) parts.push(`${s.errors} internal error${s.errors === 1 ? '' : 's'}`);
  return `memprof check: ${s.workloads} workload${s.workloads === 1 ? '' : 's'}, ${parts.join(', ')}\n`;
}

const cell = markdownCell;

export function renderCheckMarkdown(workloadReport: CheckReport, options: RenderOptions): string {
  const report = terminalSafe(workloadReport);
  const head = ['result', 'workload', ...LIMIT_NAMES.map((l) => LIMIT_LABELS[l])];
  const rows = report.results.map((r) => {
    const figures = LIMIT_NAMES.map((limit) => {
      if (r.figures === null) return '';
      const text = figureValueText(r, limit, options);
      return r.violations.some((v) => v.limit === limit) ? `**${text}**` : text;
    });
    return [STATUS_TEXT[r.status], markdownCode(r.file), ...figures];
  });
  // As a job summary or a pull-request comment it must fit GitHub's comment limit (./fit.ts): the
  // details go first, from the last workload back, then the table's last rows.
  const sections: MarkdownSection[] = [
    { text: '# memprof check\n', label: 'the title', rank: CUT_FIRST.other, keep: true },
    {
      text: [`| ${head.map(cell).join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? ':---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`), ''].join('\n'),
      label: 'the table',
      rank: CUT_FIRST.other,
    },
    { text: renderCheckSummary(report), label: 'the summary', rank: CUT_FIRST.other, keep: true },
  ];
  for (const r of report.results) {
    const details = r.status === 'fail' ? leakDetails(r, options) : r.problems;
    if (details.length === 0) continue;
    const heading = `${STATUS_TEXT[r.status]} ${markdownText(workloadTitle(r))}`;
    sections.push({ text: [`## ${heading}\n`, ...details.map((d) => `- ${markdownText(d)}`), ''].join('\n'), label: `the details of ${heading}`, rank: CUT_FIRST.other });
  }
  return `${fitMarkdown(sections).trimEnd()}\n`;
}

export function renderCheckJson(report: CheckReport): string {
  return `${terminalSafeJson(JSON.stringify(report, null, 2))}\n`;
}
