import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINE_TABLE_HEADER, renderLineTable } from '../src/report/lineTable.js';
import type { LineReport, Report } from '../src/model/report.js';

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
