// The gc section of the text report: a pass table cut to its 30 rows says which passes it shows.
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/model/report.js';
import { replayWorkload } from '../src/replay/replay.js';
import { renderGc } from '../src/report/text.js';
import type { RenderOptions } from '../src/report/units.js';
import { loadWorkload } from '../src/workload/load.js';

const OPTIONS: RenderOptions = { unit: 'auto', precision: 1, color: false };

async function gcReport(): Promise<Report> {
  return (await replayWorkload(await loadWorkload('workloads/gc_long_lived_delay.json'))).report;
}

/** The same report with each pass's gc.collect() result replaced. */
function withResults(report: Report, result: (i: number) => number): Report {
  return { ...report, gc: { ...report.gc, passes: report.gc.passes.map((p, i) => ({ ...p, result: result(i) })) } };
}

const footer = (text: string): string => text.split('\n').find((l) => l.startsWith('  … '))!;

describe('the gc pass table footer', () => {
  it('gc_long_lived_delay: 1 of 33 passes found unreachable objects, so the 3 hidden ones found none and the table says so', async () => {
    const report = await gcReport();
    expect(report.gc.passes.length).toBe(33);
    expect(report.gc.passes.filter((p) => p.result > 0).length).toBe(1);
    expect(footer(renderGc(report, OPTIONS))).toBe(
      '  … 3 more passes not shown, all of which found none: the table shows the pass that found unreachable objects, then the first 29 of the 32 that found none (--format json lists all)',
    );
  });

  it('says "the first 30" when no pass found unreachable objects, and "the 30 that found the most" when 30 or more did', async () => {
    const report = await gcReport();
    expect(footer(renderGc(withResults(report, () => 0), OPTIONS))).toBe(
      '  … 3 more passes not shown; none found unreachable objects: the table shows the first 30 (--format json lists all)',
    );
    expect(footer(renderGc(withResults(report, (i) => (i % 11 === 0 ? 5 : 0)), OPTIONS))).toBe(
      '  … 3 more passes not shown, all of which found none: the table shows the 3 passes that found unreachable objects, then the first 27 of the 30 that found none (--format json lists all)',
    );
    expect(footer(renderGc(withResults(report, (i) => i + 1), OPTIONS))).toBe(
      '  … 3 more passes not shown: the table shows the 30 that found the most unreachable objects, in the order they ran (--format json lists all)',
    );
    // The rows shown are the passes that collected most: the 3 smallest results are the hidden ones.
    const text = renderGc(withResults(report, (i) => i + 1), OPTIONS);
    const events = text.split('\n').flatMap((l) => /^│ +(\d+) │ gc_/.exec(l)?.[1] ?? []).map(Number);
    expect(events).toEqual(report.gc.passes.slice(3).map((p) => p.event));
  });
});
