// Golden reports produced by the whole pipeline: a bundled workload loaded, replayed (heap,
// collector, sampler, analysis) and rendered must give fixtures/golden/pipeline/* byte for byte,
// where test/report-golden.test.ts renders hand-made reports only. A change anywhere from the
// loader to the renderers that moves a figure shows here. After an intended change:
// UPDATE_GOLDEN=1 npx vitest run test/pipeline-golden.test.ts (and read the diff).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay } from '../src/cli/common.js';
import { reportSchema, type Report } from '../src/model/report.js';
import { renderJson } from '../src/report/json.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderText } from '../src/report/text.js';
import type { RenderOptions } from '../src/report/units.js';
import { loadWorkload } from '../src/workload/load.js';
import type { PythonVersion } from '../src/workload/schema.js';

const OPTIONS: RenderOptions = { unit: 'auto', precision: 1, color: false };

/** Workloads with collections, finalizers, weakref callbacks, gc.garbage and every leak class. */
const CASES: readonly [name: string, python: PythonVersion][] = [
  ['parent_child_cycles', '3.11'],
  ['weakref_callback_garbage', '3.11'],
  ['finalizer_resurrect', '3.12'],
  ['c_extension_leak', '3.13'],
];

function golden(file: string, actual: string): void {
  const path = `fixtures/golden/pipeline/${file}`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden reports from the whole pipeline', () => {
  for (const [name, python] of CASES) {
    describe(`workloads/${name}.json on ${python}`, async () => {
      const report: Report = (await replay(await loadWorkload(`workloads/${name}.json`), { python, progress: false })).report;
      it('json', () => {
        expect(reportSchema.parse(report)).toEqual(report);
        golden(`${name}-${python}.json`, renderJson(report));
      });
      it('text', () => golden(`${name}-${python}.txt`, renderText(report, OPTIONS)));
      it('markdown', () => golden(`${name}-${python}.md`, renderMarkdown(report, OPTIONS)));
    });
  }
});
