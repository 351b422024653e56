// --memory-model pymalloc in the text report: the RSS columns of the line table and the summary's
// allocator figures, on the workload made to show why RSS does not fall after `del`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replayWorkload } from '../src/replay/replay.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderText } from '../src/report/text.js';
import type { RenderOptions } from '../src/report/units.js';
import { loadWorkload } from '../src/workload/load.js';

const OPTIONS: RenderOptions = { unit: 'auto', precision: 1, color: false };

/** The line table of `memprof run workloads/records_rss.json --memory-model pymalloc`, as the README shows it. */
const TABLE = [
  'Line #    Mem usage  RSS (model)    Increment    RSS incr.  Occurrences   Line Contents',
  '=======================================================================================',
  '     7                                                                   def main(n=5000):',
  '     8       56.0 B     16.0 KiB       56.0 B     16.0 KiB           1       records = []',
  '     9      5.5 MiB      5.6 MiB      0.0 MiB      0.0 MiB        5001       for i in range(n):',
  '    10      5.5 MiB      5.6 MiB      5.5 MiB      5.6 MiB        5000           records.append(Record(i))',
  '    11      2.7 MiB      5.6 MiB     -2.7 MiB      0.0 MiB           1       del records[n//2:]',
  '    12       56.0 B      5.6 MiB     -2.7 MiB      0.0 MiB           1       records.clear()',
  '    13      5.5 MiB      5.6 MiB      5.5 MiB      4.0 KiB           1       records = list(map(Record, range(n)))',
  '    14      0.0 MiB      5.6 MiB     -5.5 MiB      0.0 MiB           1       del records',
  '',
].join('\n');

async function recordsRss(): Promise<string> {
  const { report } = await replayWorkload(await loadWorkload('workloads/records_rss.json'), { memoryModel: 'pymalloc' });
  return renderText(report, OPTIONS);
}

describe('records_rss with --memory-model pymalloc', () => {
  it('deleting 5,000 records with a 1 KiB bytearray each lowers the live bytes, not the modelled RSS', async () => {
    // CPython 3.11 measured (/proc/self/statm) +5.9 MiB on the loop, then +0.0 on each later line:
    // the 1,025-byte buffers are malloc() chunks that glibc keeps in its heap, and the rebuild reuses them.
    const text = await recordsRss();
    expect(text).toContain(TABLE);
    expect(text).toContain(
      '  RSS (model)  peak 5.6 MiB, final 5.6 MiB (pymalloc\'s pools of live arenas + glibc malloc\'s resident heap and mmapped chunks)\n' +
  '  arenas       1 in use at the end, 1 at most, 1 allocated, 0 returned\n' +
  '  malloc       brk heap 5.1 MiB (shrunk 0 times; a freed chunk below a live one stays resident), 0.0 B mmapped (0 returned), mmap threshold 128.0 KiB\n',
    );
  });

  it('Markdown has the same columns and the allocator figures in a table of their own', async () => {
    const { report } = await replayWorkload(await loadWorkload('workloads/records_rss.json'), { memoryModel: 'pymalloc' });
    const md = renderMarkdown(report, OPTIONS);
    expect(md).toContain('| Line # | Mem usage | RSS (model) | Increment | RSS incr. | Occurrences | Line Contents |\n|---:|---:|---:|---:|---:|---:|:---|\n');
    expect(md).toContain('| 7 |  |  |  |  |  | `def main(n=5000):` |\n');
    expect(md).toContain('| 11 | 2.7 MiB | 5.6 MiB | -2.7 MiB | 0.0 MiB | 1 | `\u00a0\u00a0\u00a0\u00a0del records[n//2:]` |\n');
    expect(md).toContain(
      '| memory model |  |\n|:---|:---|\n' +
        "| RSS (model) | peak 5.6 MiB, final 5.6 MiB (pymalloc's pools of live arenas + glibc malloc's resident heap and mmapped chunks) |\n" +
        '| arenas | 1 in use at the end, 1 at most, 1 allocated, 0 returned |\n' +
        '| malloc | brk heap 5.1 MiB (shrunk 0 times; a freed chunk below a live one stays resident), 0.0 B mmapped (0 returned), mmap threshold 128.0 KiB |\n',
    );
  });

  it('the README shows that table', () => {
    expect(readFileSync('README.md', 'utf8')).toContain(`$ npx memprof run workloads/records_rss.json --memory-model pymalloc\n${TABLE}\`\`\`\n`);
  });

  it('writes the allocator figures each in its own unit: 32.0 KiB of RSS beside live bytes of a few hundred', async () => {
    const { report } = await replayWorkload(await loadWorkload('workloads/finalizer_resurrect.json'), { memoryModel: 'pymalloc' });
    const text = renderText(report, OPTIONS);
    expect(text).toContain('  RSS (model)  peak 32.0 KiB, final 32.0 KiB (');
    expect(text).toContain('  malloc       brk heap 0.0 B (shrunk 0 times; a freed chunk below a live one stays resident), 0.0 B mmapped (0 returned), mmap threshold 128.0 KiB\n');
  });

  it('without the memory model, the table has memory_profiler\'s columns only', async () => {
    const { report } = await replayWorkload(await loadWorkload('workloads/records_rss.json'));
    const text = renderText(report, OPTIONS);
    expect(text).toContain('Line #    Mem usage    Increment  Occurrences   Line Contents\n');
    expect(text).not.toContain('RSS');
  });
});
