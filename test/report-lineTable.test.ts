import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINE_TABLE_HEADER, renderLineTable } from '../src/report/lineTable.js';
import { renderMarkdown } from '../src/report/markdown.js';
import type { LineReport, Report } from '../src/model/report.js';
import { replayWorkload } from '../src/replay/replay.js';
import { workloadFromObject } from '../src/workload/load.js';

const MiB = 1024 * 1024;

/*
 * fixtures/golden/memory_profiler-0.61.txt is the real output of Debian's python3-memory-profiler
 * 0.61.0 (CPython 3.11.2) for fixtures/golden/memory_profiler-0.61.py, captured with
 * `python3 memory_profiler-0.61.py > memory_profiler-0.61.txt`. What it shows about the layout:
 * - "Filename: <path>", one empty line, the header, then '=' × 61 (the header's length);
 * - rows are '{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}' and the table starts at the decorator line;
 * - a memory cell is '{0:{precision+4}.{precision}f} MiB', right-aligned in 12 columns;
 * - a line that never ran (lines 4, 11) and an empty line (6) keep only the number and the text,
 *   the empty cells still padded: an empty source line leaves 41 spaces after its number;
 * - a negative increment prints its minus sign (-50.00 MiB);
 * - the table is followed by two empty lines ("\n\n"), which the text report's section break replaces.
 * Rebuilding the same figures as a Report and rendering them in MiB gives the same bytes.
 */
describe('line table in memory_profiler\'s layout', () => {
  const captured = readFileSync('fixtures/golden/memory_profiler-0.61.txt', 'utf8');
  const sourceLines = readFileSync('fixtures/golden/memory_profiler-0.61.py', 'utf8').replace(/\n$/, '').split('\n');
  const file = '/tmp/cli-r/mp_layout.py';

  function line(n: number, occurrences: number, memMiB: number, incMiB: number): LineReport {
    const memUsage = Math.round(memMiB * MiB);
    return {
      file, function: 'build', line: n, content: sourceLines[n - 1]!, occurrences,
      memUsage, increment: Math.round(incMiB * MiB), peak: memUsage, allocated: 0, freed: 0,
    };
  }

  const report = {
    functions: [{ file, function: 'build', firstLine: 3, lastLine: 13 }],
    lines: [
      line(3, 1, 21.45, 21.45),
      line(5, 1, 71.46, 50.01),
      line(7, 1, 71.46, 0),
      line(8, 4, 74.47, 0),
      line(9, 3, 74.47, 3.01),
      line(10, 1, 74.47, 0),
      line(12, 1, 24.46, -50),
      line(13, 1, 24.46, 0),
    ],
  } as unknown as Report;

  it('renders the captured memory_profiler table byte for byte', () => {
    const table = renderLineTable(report, report.functions[0]!, {
      unit: 'MiB', precision: 2, color: false, source: { [file]: sourceLines },
    });
    expect(`${table}\n\n`).toBe(captured);
  });

  it('has the 61-character header and rule', () => {
    expect(LINE_TABLE_HEADER).toBe('Line #    Mem usage    Increment  Occurrences   Line Contents');
    expect(LINE_TABLE_HEADER.length).toBe(61);
  });

  it('leaves the text empty for a line that never ran when no source is known', () => {
    const table = renderLineTable(report, { file, function: 'build', firstLine: 4, lastLine: 4 }, {
      unit: 'MiB', precision: 2, color: false,
    });
    expect(table.split('\n')[4]).toBe(`     4${' '.repeat(41)}`);
  });
});

describe('line table of a function whose lines are far apart', () => {
  function stats(file: string, fn: string, n: number, bytes: number): LineReport {
    return { file, function: fn, line: n, content: '', occurrences: 1, memUsage: bytes, increment: bytes, peak: bytes, allocated: bytes, freed: 0 };
  }
  const OPTIONS = { unit: 'B' as const, precision: 1, color: false };

  it('prints the lines that ran and one row for the 99,999,998 between lines 1 and 100,000,000, the line column widened to fit', () => {
    const report = {
      functions: [{ file: 'big.py', function: '<module>', firstLine: 1, lastLine: 100_000_000 }],
      lines: [stats('big.py', '<module>', 1, 64), stats('big.py', '<module>', 100_000_000, 128)],
    } as unknown as Report;
    expect(renderLineTable(report, report.functions[0]!, OPTIONS)).toBe(
      [
        'Filename: big.py',
        '',
        '   Line #    Mem usage    Increment  Occurrences   Line Contents',
        '='.repeat(64),
        '        1       64.0 B       64.0 B           1   ',
        '        …                                         (99999998 lines skipped: 2–99999999 never ran)',
        '100000000      128.0 B      128.0 B           1   ',
        '',
      ].join('\n'),
    );
  });

  it('widens the figure columns for --unit B and large figures, keeping every column aligned', () => {
    const report = {
      functions: [{ file: 'big.py', function: '<module>', firstLine: 1, lastLine: 2 }],
      lines: [stats('big.py', '<module>', 1, 3 * 2 ** 30), { ...stats('big.py', '<module>', 2, 3 * 2 ** 30), increment: -(3 * 2 ** 30) + 56 }],
    } as unknown as Report;
    expect(renderLineTable(report, report.functions[0]!, { ...OPTIONS, unit: 'B' })).toBe(
      [
        'Filename: big.py',
        '',
        'Line #       Mem usage       Increment  Occurrences   Line Contents',
        '='.repeat(67),
        '     1  3221225472.0 B  3221225472.0 B           1   ',
        '     2  3221225472.0 B -3221225416.0 B           1   ',
        '',
      ].join('\n'),
    );
  });

  it('keeps runs of up to ten lines that never ran, with their source, and folds longer ones', () => {
    const file = 'f.py';
    const source = Array.from({ length: 40 }, (_, k) => `line ${k + 1}`);
    const report = {
      functions: [{ file, function: 'f', firstLine: 1, lastLine: 30 }],
      lines: [stats(file, 'f', 1, 8), stats(file, 'f', 12, 8), stats(file, 'f', 24, 8), stats(file, 'f', 30, 8)],
    } as unknown as Report;
    const rows = renderLineTable(report, report.functions[0]!, { ...OPTIONS, source: { [file]: source } }).split('\n').slice(4, -1);
    expect(rows.map((r) => r.slice(0, 6).trim() + ' ' + r.slice(47))).toEqual([
      '1 line 1',
      ...Array.from({ length: 10 }, (_, k) => `${k + 2} line ${k + 2}`),
      '12 line 12',
      '… (11 lines skipped: 13–23 never ran)',
      '24 line 24',
      ...Array.from({ length: 5 }, (_, k) => `${k + 25} line ${k + 25}`),
      '30 line 30',
    ]);
  });

  it('starts at the def line even when the first line that ran is far below it', () => {
    const report = {
      functions: [{ file: 'g.py', function: 'g', firstLine: 3, lastLine: 50 }],
      lines: [stats('g.py', 'g', 50, 8)],
    } as unknown as Report;
    const rows = renderLineTable(report, report.functions[0]!, { ...OPTIONS, source: { 'g.py': ['', '', 'def g():'] } }).split('\n');
    expect(rows.slice(4, -1).map((r) => r.slice(0, 6).trim() + ' ' + r.slice(47))).toEqual([
      '3 def g():',
      '… (46 lines skipped: 4–49 never ran)',
      '50 ',
    ]);
  });

  it('renders 100,000 one-line tables, one per file, each with its own line', () => {
    const n = 100_000;
    const report = {
      functions: Array.from({ length: n }, (_, k) => ({ file: `f${k}.py`, function: '<module>', firstLine: 1, lastLine: 1 })),
      lines: Array.from({ length: n }, (_, k) => stats(`f${k}.py`, '<module>', 1, k)),
    } as unknown as Report;
    const tables = report.functions.map((fn) => renderLineTable(report, fn, OPTIONS));
    expect(tables.length).toBe(n);
    expect(tables[0]).toBe(`Filename: f0.py\n\n${LINE_TABLE_HEADER}\n${'='.repeat(61)}\n     1        0.0 B        0.0 B           1   \n`);
    expect(tables[n - 1]).toBe(
      `Filename: f99999.py\n\n${LINE_TABLE_HEADER}\n${'='.repeat(61)}\n     1    99999.0 B    99999.0 B           1   \n`,
    );
  });
});

describe('Markdown line table of a function whose lines are far apart', () => {
  it('folds the lines between 1 and 100,000,000 into one row', async () => {
    const workload = workloadFromObject(
      { version: 1, events: [{ op: 'alloc', id: 'a', size: 64, as: 'a', line: 1 }, { op: 'line', line: 100_000_000 }] },
      'far.json',
    );
    const { report } = await replayWorkload(workload);
    const markdown = renderMarkdown(report, { unit: 'B', precision: 1, color: false });
    const table = markdown.slice(markdown.indexOf('### '), markdown.indexOf('## Garbage collection'));
    expect(table).toBe(
      [
        '### `<module>` in `far.json`',
        '',
        '| Line # | Mem usage | Increment | Occurrences | Line Contents |',
        '|---:|---:|---:|---:|:---|',
        '| 1 | 64.0 B | 64.0 B | 1 |  |',
        '| … |  |  |  | _(99999998 lines skipped: 2–99999999 never ran)_ |',
        '| 100000000 | 64.0 B | 0.0 B | 1 |  |',
        '',
        '',
      ].join('\n'),
    );
  });
});
