// Byte figures in the reports of the bundled workloads: a figure that is not zero never prints as
// zero or as -0.0, and every table stays aligned whatever the unit.
import { describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { renderText } from '../src/report/text.js';
import type { RenderOptions, UnitChoice } from '../src/report/units.js';
import { loadWorkload } from '../src/workload/load.js';

async function report(file: string, unit: UnitChoice = 'auto', precision = 1): Promise<string> {
  const options: RenderOptions = { unit, precision, color: false };
  return renderText((await replayWorkload(await loadWorkload(file))).report, options);
}

/** The rows of the line tables (the lines between a `===` rule and the next blank line). */
function tableRows(text: string): string[] {
  const rows: string[] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('====')) inTable = true;
    else if (line === '') inTable = false;
    else if (inTable) rows.push(line);
  }
  return rows;
}

describe('byte figures in the reports', () => {
  it('function_locals: the 12.6 KiB line 19 kept is 12.6 KiB, not 0.0 MiB, and so is the final figure', async () => {
    const text = await report('workloads/function_locals.json');
    expect(text).toContain('    19     12.6 KiB     12.6 KiB           1   report = build_report(200)\n');
    expect(text).toContain('    16     12.6 KiB    -16.0 MiB           1       return report');
    expect(text).toContain('    12     16.0 MiB       56.0 B           1       rows = []\n');
    expect(text).toContain('  final      12.6 KiB\n');
  });

  it('prints no -0.0 and no zero for a figure that is not zero, in any unit and precision', async () => {
    for (const unit of ['auto', 'B', 'KiB', 'MiB', 'GiB'] as const) {
      for (const precision of [0, 1, 3]) {
        const text = await report('workloads/function_locals.json', unit, precision);
        expect(text).not.toMatch(/-0(\.0+)? (B|KiB|MiB|GiB)/);
        expect(text).toContain('report = build_report(200)');
        // Line 19's increment is 12,912 bytes: shown in some unit, never as zero.
        const row19 = tableRows(text).find((r) => r.includes('report = build_report(200)'))!;
        expect(row19).not.toMatch(/ 0(\.0+)? (B|KiB|MiB|GiB) /);
      }
    }
  });

  it('keeps the line table aligned with --unit B: every row as long as the rule up to its source text', async () => {
    const text = await report('workloads/function_locals.json', 'B');
    expect(text).toContain('Line #     Mem usage     Increment  Occurrences   Line Contents\n');
    expect(text).toContain('    11  16777273.0 B  16777273.0 B           1       scratch = bytearray(16 * 1024 * 1024)');
    expect(text).toContain('    16     12912.0 B -16777273.0 B           1       return report');
    // In every table each figure column ends where its header does (Occurrences one before: its
    // 11-letter header overflows memory_profiler's 10-wide column, as in memory_profiler).
    const lines = text.split('\n');
    let checked = 0;
    for (let i = 0; i < lines.length; i++) {
      const header = lines[i]!;
      if (!header.startsWith('Line #')) continue;
      const ends = ['Mem usage', 'Increment', 'Occurrence'].map((h) => header.indexOf(h) + h.length);
      for (let j = i + 2; j < lines.length && lines[j] !== ''; j++) {
        const row = lines[j]!;
        if (row.slice(ends[0]! - 4, ends[0]!).trim() === '') continue; // a line that never ran
        for (const end of ends) {
          expect(row[end - 1]).toMatch(/[0-9B]/);
          expect(row[end]).toBe(' ');
        }
        checked++;
      }
    }
    expect(checked).toBe(8);
  });
});
