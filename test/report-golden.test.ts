// Golden files: hand-made reports rendered with fixed options must match fixtures/golden/*.txt byte
// for byte. After an intended change of layout: UPDATE_GOLDEN=1 npx vitest run test/report-golden.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderChart } from '../src/report/chart.js';
import { renderJson } from '../src/report/json.js';
import { renderMarkdown } from '../src/report/markdown.js';
import type { Report } from '../src/model/report.js';
import { renderText } from '../src/report/text.js';
import type { RenderOptions } from '../src/report/units.js';

const OPTIONS: RenderOptions = { unit: 'auto', precision: 1, color: false };

function fixture(name: string): Report {
  return JSON.parse(readFileSync(`fixtures/golden/${name}.report.json`, 'utf8')) as Report;
}

function golden(file: string, actual: string): void {
  const path = `fixtures/golden/${file}`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden reports', () => {
  for (const name of ['load-cache', 'leaky-graph']) {
    it(`${name}: text`, () => golden(`${name}.text.txt`, renderText(fixture(name), OPTIONS)));
    it(`${name}: markdown`, () => golden(`${name}.markdown.txt`, renderMarkdown(fixture(name), OPTIONS)));
    it(`${name}: chart`, () => golden(`${name}.chart.txt`, renderChart(fixture(name), OPTIONS)));
    it(`${name}: json is the report itself`, () => {
      expect(JSON.parse(renderJson(fixture(name)))).toEqual(fixture(name));
    });
  }

  it('load-cache: the line tables carry the worked example\'s figures', () => {
    const text = renderText(fixture('load-cache'), OPTIONS);
    expect(text).toContain('     3       64.0 B       64.0 B           1       cache = {}\n');
    expect(text).toContain('     4      784.0 B        0.0 B           4       for i in range(n):\n');
    expect(text).toContain("     5      784.0 B      720.0 B           3           cache[f'k{i}'] = Row()\n");
    expect(text).toContain('     6      784.0 B        0.0 B           1       return cache\n');
    expect(text).toContain('     7      784.0 B      784.0 B           1   rows = load(3)\n');
    expect(text).toContain('     8        0.0 B     -784.0 B           1   del rows\n');
    expect(text).toContain('  no collection ran\n');
    expect(text).toContain('  peak       784.0 B at demo.py:5 (event 7, t=7)\n');
  });

  it('load-cache: --unit KiB --precision 3 changes every figure of a table, not the layout', () => {
    const text = renderText(fixture('load-cache'), { unit: 'KiB', precision: 3, color: false });
    expect(text).toContain('     5    0.766 KiB    0.703 KiB           3           cache[f\'k{i}\'] = Row()\n');
    expect(text).toContain('     8    0.000 KiB   -0.766 KiB           1   del rows\n');
  });

  it('renders no leaks section when the report has none, and one when it has', () => {
    expect(renderText(fixture('load-cache'), OPTIONS)).not.toContain('by class');
    expect(renderText(fixture('leaky-graph'), OPTIONS)).toContain('│ uncollectable │       2 │ 0.8 KiB │');
  });

  it('colours only when asked', () => {
    expect(renderText(fixture('leaky-graph'), OPTIONS)).not.toContain('\x1b[');
    const coloured = renderText(fixture('leaky-graph'), { ...OPTIONS, color: true });
    expect(coloured).toContain('\x1b[1mSummary\x1b[0m');
    expect(coloured).toContain('\x1b[36m');
  });
});
