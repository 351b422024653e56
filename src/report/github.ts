// `memprof check --format github`: GitHub Actions workflow commands. A failing workload gets an
// `::error` at every line that allocated a leaked object (so the pull request shows it beside the
// code), a passing one with leaks its limits allow gets `::warning`s, and peak/final failures are
// reported at the line of the peak. Each result's text line is printed too, for the job log.
import type { CheckResult, CycleShape, LeakSite, LimitName } from '../model/report.js';
import { figureText, renderCheckLine } from './checkText.js';
import { formatCount, shapeText, typeList } from './leaks.js';
import { formatBytesAuto, type RenderOptions } from './units.js';
import { terminalSafe } from './escape.js';

/** Limits a leaked object's allocating line is to blame for. */
const LEAK_LIMITS: ReadonlySet<LimitName> = new Set<LimitName>(['leakedBytes', 'leakedObjects', 'cycles', 'uncollectable']);

/** Workflow command data: `%`, CR and LF are escaped (toolkit's escapeData). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow command properties: also `:` and `,` (toolkit's escapeProperty). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function workflowCommand(level: 'error' | 'warning', properties: { file: string; line?: number; title: string }, message: string): string {
  const props = [`file=${escapeProperty(properties.file)}`];
  if (properties.line !== undefined && properties.line > 0) props.push(`line=${properties.line}`);
  props.push(`title=${escapeProperty(properties.title)}`);
  return `::${level} ${props.join(',')}::${escapeData(message)}\n`;
}

function objects(n: number): string {
  return `${formatCount(n)} object${n === 1 ? '' : 's'}`;
}

/** `2 Node objects (112.0 B) allocated here`. */
function siteObjects(site: LeakSite, options: RenderOptions): string {
  const bytes = formatBytesAuto(site.bytes, options.unit, options.precision);
  return `${objects(site.objects)} (${typeList(site.types)}; ${bytes}) allocated here`;
}

/**
 * A result's text line and its annotations. Workload strings are escaped for a terminal first (the
 * job log shows them; no line break survives, so no line can start with `::`), then as workflow
 * command data or properties.
 */
export function renderGithubResult(workloadResult: CheckResult, options: RenderOptions): string {
  const result = terminalSafe(workloadResult);
  const plain: RenderOptions = { ...options, color: false };
  let out = renderCheckLine(result, plain);
  if (result.status === 'invalid' || result.status === 'error') {
    const title = result.status === 'invalid' ? 'memprof: invalid workload' : 'memprof: internal error';
    for (const problem of result.problems) out += workflowCommand('error', { file: result.file, title }, problem);
    return out;
  }
  const failed = new Set(result.violations.map((v) => v.limit));
  const leakedFailed = failed.has('leakedBytes') || failed.has('leakedObjects');
  // Each leak class is an error where a limit it counts towards failed, else a warning.
  const levelOf = (limit: LimitName): 'error' | 'warning' => (leakedFailed || failed.has(limit) ? 'error' : 'warning');
  const violated = [...failed].filter((l) => LEAK_LIMITS.has(l));
  const because = violated.length > 0 ? ` — ${result.file}: ${violated.map((l) => figureText(result, l, plain)).join(', ')}` : ` — ${result.file}`;
  const leaks = result.leaks;
  if (leaks !== null) {
    // One annotation per allocating line, however many cycles its objects are in: the shapes of
    // those cycles, the largest one described.
    const shapesAt = new Map<string, CycleShape[]>();
    for (const shape of leaks.cyclic.shapes) {
      for (const l of shape.lines) {
        const key = `${l.file}\u0000${l.line}`;
        const list = shapesAt.get(key);
        if (list === undefined) shapesAt.set(key, [shape]);
        else list.push(shape);
      }
    }
    for (const site of leaks.cyclic.sites) {
      const shapes = shapesAt.get(`${site.file}\u0000${site.line}`) ?? [];
      const cycles = shapes.reduce((n, c) => n + c.cycles, 0);
      const where = cycles === 1 ? 'a reference cycle' : `${formatCount(cycles)} reference cycles`;
      const what = shapes.length === 0 ? '' : shapes.length === 1 ? `: ${shapeText(shapes[0]!, plain)}` : ` of ${shapes.length} shapes, the largest: ${shapeText(shapes[0]!, plain)}`;
      const message = `${siteObjects(site, plain)} ${site.objects === 1 ? 'leaks' : 'leak'} in ${where}${what}`;
      out += workflowCommand(levelOf('cycles'), { file: site.file, line: site.line, title: 'memprof: leaked cycle' }, `${message}${because}`);
    }
    for (const site of leaks.uncollectable.sites) {
      const message = `${siteObjects(site, plain)} ${site.objects === 1 ? 'is' : 'are'} uncollectable, kept in gc.garbage`;
      out += workflowCommand(levelOf('uncollectable'), { file: site.file, line: site.line, title: 'memprof: uncollectable' }, `${message}${because}`);
    }
    for (const site of leaks.external.sites) {
      const one = site.objects === 1;
      const message = `${siteObjects(site, plain)} ${one ? 'is' : 'are'} held by an incref without a decref; no collector can free ${one ? 'it' : 'them'}`;
      out += workflowCommand(levelOf('leakedObjects'), { file: site.file, line: site.line, title: 'memprof: external leak' }, `${message}${because}`);
    }
  }
  for (const v of result.violations) {
    if (LEAK_LIMITS.has(v.limit)) continue;
    const at = v.limit === 'peakBytes' && result.peakLine !== null ? { file: result.peakLine.file, line: result.peakLine.line } : { file: result.file };
    out += workflowCommand('error', { ...at, title: `memprof: ${v.limit === 'peakBytes' ? 'peak' : 'final'} memory` }, `${result.file}: ${figureText(result, v.limit, plain)}`);
  }
  return out;
}
