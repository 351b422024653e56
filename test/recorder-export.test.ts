// The recorder against the model's own ground truth: each bundled workload is exported as a Python
// program (`memprof export --python`), that program is recorded under real CPython, and the recording
// replayed. The gc figures must be the workload's: every gc.collect() result, every automatic pass
// (generation and objects collected) and the collections per generation. The exported program
// observes itself at its end (gc.get_objects() and friends); that observation is left out, since the
// recording carries what the run observed.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { GcPass, Report } from '../src/model/report.js';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { replayWorkload } from '../src/replay/replay.js';
import { loadWorkload } from '../src/workload/load.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'memprof.js');
const WORKLOADS = readdirSync(join(ROOT, 'workloads'))
  .filter((f) => f.endsWith('.json'))
  .sort();
/** Exported programs whose traced run has its automatic passes elsewhere than the workload has them:
 * they set low thresholds (100, 2, 2) or allocate thousands of objects between passes, and the
 * recorder's own allocations move generation 0's count (as for frozen_config and request_churn in
 * fixtures/programs/README.md). Their recordings agree with what their own real run observed, not
 * with the workload. */
const COUNT_DRIFT: Record<string, readonly string[]> = {
  'gc_long_lived_delay.json': ['3.11', '3.12', '3.13'],
  'records_rss.json': ['3.11', '3.12'],
};
const dir = mkdtempSync(join(tmpdir(), 'memprof-record-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the collector did, as the comparison needs it: the passes the workload asked for and the
 * automatic ones, in order, and the collections per generation. */
function gcFigures(report: Report, passes: GcPass[]) {
  return {
    collects: passes.filter((p) => p.trigger === 'collect').map((p) => [p.generation, p.result]),
    automatic: passes.filter((p) => p.trigger === 'threshold').map((p) => [p.generation, p.collected]),
    collected: report.gc.stats.map((s) => s.collected),
    uncollectable: report.gc.stats.map((s) => s.uncollectable),
  };
}

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`recording exported workloads on CPython ${version}${skipped}`, () => {
    const drifting = WORKLOADS.filter((w) => COUNT_DRIFT[w]?.includes(version));
    it.concurrent.each(WORKLOADS.filter((w) => !drifting.includes(w)))('%s', async (file) => {
      const stem = `${file.slice(0, -'.json'.length)}_${version.replace('.', '')}`;
      const script = join(dir, `${stem}.py`);
      const trace = join(dir, `${stem}.ndjson`);
      const workload = join(ROOT, 'workloads', file);
      const { stdout } = await run(process.execPath, [CLI, 'export', workload, '--python', version], { maxBuffer: 64 << 20 });
      const lines = stdout.split('\n');
      const observe = lines.lastIndexOf('_mp_observe()');
      expect(observe, 'the exported program ends by observing itself').toBeGreaterThan(0);
      lines.splice(observe, 1);
      writeFileSync(script, lines.join('\n'));
      await run(process.execPath, [CLI, 'record', '-q', '--python', python!.path, '-o', trace, script], { cwd: dir, maxBuffer: 64 << 20 });

      const expected = (await replayWorkload(await loadWorkload(workload), { python: version })).report;
      const recorded = (await replayWorkload(await loadWorkload(trace))).report;
      // The exported program starts with collections of its own (a clean heap, then gc.freeze):
      // its workload's passes are the last ones.
      const own = recorded.gc.passes.slice(recorded.gc.passes.length - expected.gc.passes.length);
      expect(gcFigures(recorded, own)).toEqual(gcFigures(expected, expected.gc.passes));
      // The real run observed the workload's figures: every gc.collect() result the recording holds
      // is the workload's.
      const collects = recorded.recorded!.collects;
      expect(collects.slice(collects.length - own.filter((p) => p.trigger === 'collect').length).map((c) => c.real)).toEqual(
        gcFigures(expected, expected.gc.passes).collects.map(([, result]) => result),
      );
      expect(collects.filter((c) => !c.equal)).toEqual([]);
    }, 600_000);
    it.skip.each(drifting)('%s (count drift: see COUNT_DRIFT)', () => undefined);
  });
}
