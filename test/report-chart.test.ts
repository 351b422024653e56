import { describe, expect, it } from 'vitest';
import { renderChart } from '../src/report/chart.js';
import type { GcPass, Report, TimelinePoint } from '../src/model/report.js';
import type { RenderOptions } from '../src/report/units.js';

const OPTIONS: RenderOptions = { unit: 'auto', precision: 1, color: false };

function reportOf(timeline: TimelinePoint[], passTimes: number[] = []): Report {
  let peak = timeline[0]!;
  for (const p of timeline) if (p.max > peak.max) peak = p;
  return {
    summary: { peakBytes: peak.max, peakT: peak.t, peakLine: { file: 'app.py', line: 9 }, peakEvent: 3 },
    gc: { passes: passTimes.map((t) => ({ t }) as GcPass) },
    timeline,
  } as unknown as Report;
}

function point(t: number, bytes: number, max = bytes): TimelinePoint {
  return { t, bytes, min: bytes, max };
}

/** Column (character index) of the chart's drawing at its highest row, after the axis. */
function topColumn(chart: string): number {
  const top = chart.split('\n')[0]!;
  const axis = top.search(/[┤┼]/);
  return axis + 1 + top.slice(axis + 1).search(/\S/);
}

describe('memory-over-time chart', () => {
  it('keeps a one-sample spike when 5000 samples are merged into at most 72 columns', () => {
    const timeline = Array.from({ length: 5000 }, (_, i) => point(i, 1000, i === 3217 ? 9000 : 1000));
    const chart = renderChart(reportOf(timeline), OPTIONS);
    const rows = chart.split('\n').filter((r) => r !== '');
    for (const row of rows) expect([...row].length).toBeLessThanOrEqual(72);
    expect(rows[0]).toMatch(/^8\.8 KiB ┤ +╭╮$/);
  });

  it('points the caret at the peak\'s column', () => {
    const timeline = [0, 100, 300, 700, 200, 250].map((b, t) => point(t, b));
    const chart = renderChart(reportOf(timeline), OPTIONS);
    const caretRow = chart.split('\n').find((r) => r.includes('^'))!;
    expect(caretRow.indexOf('^')).toBe(topColumn(chart));
    expect(caretRow.trim()).toBe('^ peak 700.0 B at t=3, app.py:9');
  });

  it('puts the caret text on the left when it would run past the width', () => {
    const timeline = Array.from({ length: 60 }, (_, t) => point(t, t * 10));
    const chart = renderChart(reportOf(timeline), OPTIONS);
    const caretRow = chart.split('\n').find((r) => r.includes('^'))!;
    expect(caretRow.trimStart()).toBe('peak 590.0 B at t=59, app.py:9 ^');
    // The last sample is the peak: the caret sits under the chart's last column.
    expect(caretRow.indexOf('^')).toBe(chart.split('\n')[0]!.length - 1);
  });

  it('marks GC passes with g under their columns', () => {
    const timeline = Array.from({ length: 11 }, (_, t) => point(t * 10, 100 + t));
    const chart = renderChart(reportOf(timeline, [20, 70]), OPTIONS);
    const gcRow = chart.split('\n').find((r) => r.trimStart().startsWith('gc'))!;
    const axis = chart.split('\n')[0]!.search(/[┤┼]/);
    expect([...gcRow].flatMap((c, i) => (c === 'g' && i > axis ? [i - axis] : []))).toEqual([2, 7]);
  });

  it('draws the cross of the axis only on the row of the first value', () => {
    const timeline = [0, 500, 1000].map((b, t) => point(t, b));
    const rows = renderChart(reportOf(timeline), OPTIONS).split('\n');
    expect(rows.filter((r) => r.includes('┼'))).toEqual(['   0.0 B ┼╯']);
  });

  it('shows where memory ended when it fell inside the last sample\'s bucket', () => {
    // The last sample's bucket held 784 bytes and ended at 0 (the final `del`): one more column.
    const timeline = [point(0, 0), point(1, 784), { t: 2, bytes: 0, min: 0, max: 784 }];
    const rows = renderChart(reportOf(timeline), OPTIONS).split('\n');
    expect(rows[0]).toBe('784.0 B ┤╭─╮');
    expect(rows[11]).toBe('  0.0 B ┼╯ ╰');
  });

  it('says so when there is no sample', () => {
    expect(renderChart(reportOf([point(0, 0)]), OPTIONS)).toContain('peak 0.0 B');
    expect(renderChart({ ...reportOf([point(0, 0)]), timeline: [] }, OPTIONS)).toBe('(no memory samples)\n');
  });

  it('draws figures near 2^53 over a range of one byte (asciichart alone would loop forever)', () => {
    // The middle label is 2^53 − 1.5, which a double rounds to 2^53 − 2.
    const top = Number.MAX_SAFE_INTEGER;
    const chart = renderChart(reportOf([point(0, top - 1), point(1, top), point(2, top - 1)]), { ...OPTIONS, unit: 'B' }, { width: 60, height: 3 });
    expect(chart).toBe(
      [
        '9007199254740991.0 B ┤╭╮',
        '9007199254740990.0 B ┤││',
        '9007199254740990.0 B ┼╯╰',
        '                      ^ peak 9007199254740991.0 B at t=1, app.py:9',
        '                     t=0',
        '',
      ].join('\n'),
    );
  });

  it('draws a flat line at 2^53 − 1 bytes', () => {
    const top = Number.MAX_SAFE_INTEGER;
    const rows = renderChart(reportOf([point(0, top), point(1, top)]), { ...OPTIONS, unit: 'GiB' }, { width: 40, height: 2 }).split('\n');
    expect(rows[0]).toBe('8388608.0 GiB ┼─');
  });

  it('says so instead of drawing figures no replay should make (1e308 and -1e308, NaN)', () => {
    expect(renderChart(reportOf([point(0, -1e308), point(1, 1e308)]), OPTIONS)).toBe('(memory figures out of range: no chart)\n');
    expect(renderChart(reportOf([point(0, 0), point(1, Number.NaN), point(2, 5)]), OPTIONS)).toBe('(memory figures out of range: no chart)\n');
  });
});

describe('the chart draws what memory did', () => {
  it('c_extension_leak: a 136 B temporary crossing a row boundary draws no dip where memory never falls', async () => {
    const { replayWorkload } = await import('../src/replay/replay.js');
    const { loadWorkload } = await import('../src/workload/load.js');
    const { report } = await replayWorkload(await loadWorkload('workloads/c_extension_leak.json'));
    expect(renderChart(report, OPTIONS)).toBe(
      [
        '641.2 KiB ┤                                                       ╭─────',
        '582.9 KiB ┤                                                 ╭─────╯',
        '524.6 KiB ┤                                           ╭─────╯',
        '466.4 KiB ┤                                     ╭─────╯',
        '408.1 KiB ┤                               ╭─────╯',
        '349.8 KiB ┤                               │',
        '291.5 KiB ┤                         ╭─────╯',
        '233.2 KiB ┤                   ╭─────╯',
        '174.9 KiB ┤             ╭─────╯',
        '116.6 KiB ┤       ╭─────╯',
        ' 58.3 KiB ┤ ╭─────╯',
        '  0.0 KiB ┼─╯',
        '                     peak 641.2 KiB at t=77, c_extension_leak.py:11 ^',
        '          t=0                                                       t=81',
        '',
      ].join('\n'),
    );
  });

  it('still draws a spike of a row or more within one column', () => {
    const timeline = [point(0, 0), point(1, 100), point(2, 100, 900), point(3, 100), point(4, 200), point(5, 300, 1000), point(6, 300)];
    const rows = renderChart(reportOf(timeline), OPTIONS).split('\n');
    expect(rows[0]).toBe('1000.0 B ┤    ╭╮');
    expect(rows[1]).toBe(' 909.1 B ┤ ╭╮ ││');
  });

  it('ends the time axis at the last event, not at the start of the last bucket (t=999936 with the peak at t=999987)', () => {
    const timeline = Array.from({ length: 60 }, (_, i) => point(i === 59 ? 999_936 : i * 16_384, 4096, i === 59 ? 9000 : 4096));
    const report = reportOf(timeline);
    report.summary.peakT = 999_987;
    expect(renderChart(report, OPTIONS).split('\n').at(-2)).toBe('        t=0                                                  t=999987');
    report.summary.endT = 999_999;
    expect(renderChart(report, OPTIONS).split('\n').at(-2)).toBe('        t=0                                                  t=999999');
  });

  it('with --memory-model pymalloc, draws the modelled RSS in dots: the two series differ without colour', () => {
    const live = [0, 1000, 2000, 3000, 4000, 2000, 0, 0, 3000, 0];
    const rss = [4096, 4096, 4096, 4096, 8192, 8192, 8192, 8192, 8192, 8192];
    const report = reportOf(live.map((b, t) => ({ ...point(t, b), rss: rss[t]! })));
    report.summary.endT = 9;
    (report as { memory?: unknown }).memory = { model: 'pymalloc' };
    expect(renderChart(report, OPTIONS, { width: 40, height: 6 })).toBe(
      [
        '8.0 KiB ┤   ······',
        '6.4 KiB ┤   ·',
        '4.8 KiB ┤····',
        '3.2 KiB ┤  ╭─╮  ╭╮',
        '1.6 KiB ┤╭─╯ ╰╮ ││',
        '0.0 KiB ┼╯    ╰─╯╰',
        '            ^ peak 3.9 KiB at t=4, app.py:9',
        '        ── live bytes  ·· modelled RSS (pymalloc and glibc malloc: never below the live bytes)',
        '        t=0    t=9',
        '',
      ].join('\n'),
    );
    // In colour, each series keeps its own colour too.
    const coloured = renderChart(report, { ...OPTIONS, color: true }, { width: 40, height: 6 });
    expect(coloured).toContain('\x1b[35m·\x1b[0m');
    expect(coloured).toContain('\x1b[36m╭\x1b[0m');
  });
});
