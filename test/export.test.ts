// `memprof export --python`: the script runs on real CPython and prints the observables of the
// workload, figures checked by hand below.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { exportPython } from '../src/export/python.js';
import { replayWorkload } from '../src/replay/replay.js';
import { workloadFromObject } from '../src/workload/load.js';
import { interpreters, runScript } from './differential/oracle.js';
import { SHARED_DICT_COLLECTS, SHARED_DICT_EVENTS } from './support/shared-dict.js';

// A cycle with a finalizer and a weakref callback, a frame returning a dict, a legacy finalizer in
// a self-cycle, and a frame left open at the end holding a C reference.
const WORKLOAD = {
  version: 1,
  name: 'export-check',
  types: { Fin: { finalizer: 'del' }, Leg: { finalizer: 'legacy' } },
  events: [
    { op: 'alloc', id: 'keep', type: 'list', as: 'keep' },
    { op: 'alloc', id: 'a', type: 'Node', as: 'a' },
    { op: 'alloc', id: 'b', type: 'Node', fields: { next: '$a' }, as: 'b' },
    { op: 'ref', from: '$a', field: 'next', to: '$b' },
    { op: 'alloc', id: 'd', type: 'Fin', fields: { peer: '$a' }, into: { obj: '$a', field: 'fin' } },
    { op: 'weakref', id: 'w1', to: '$a', callback: 'on_a', as: 'w1' },
    { op: 'weakref', id: 'w2', to: '$b', as: 'w2' },
    { op: 'call', function: 'load' },
    { op: 'alloc', id: 't', type: 'tuple', items: ['$a', null], as: 't' },
    { op: 'alloc', id: 's', type: 'str', as: 's' },
    { op: 'alloc', id: 'dd', type: 'dict', fields: { k: '$s' }, as: 'dd' },
    { op: 'return', value: '$dd', as: 'res' },
    { op: 'unbind', name: 'a' },
    { op: 'unbind', name: 'b' },
    { op: 'gc.collect' },
    { op: 'alloc', id: 'f', type: 'function', fields: { x: '$res' }, as: 'fn' },
    { op: 'alloc', id: 'l', type: 'Leg', as: 'l' },
    { op: 'ref', from: '$l', field: 'self', to: '$l' },
    { op: 'unbind', name: 'l' },
    { op: 'gc.collect' },
    { op: 'call', function: 'inner' },
    { op: 'alloc', id: 'z', type: 'Node', as: 'z' },
    { op: 'incref', id: 'z' },
  ],
};

// By hand: the first collection finds a, b, d unreachable (w1, w2 are held by names): the callback
// of w1 runs first (handle_weakrefs), then d's __del__; 3 collected. The second finds the legacy
// object in its self-cycle: uncollectable, into gc.garbage; it returns 1. Each manual collection
// zeroes the counts; then only z is allocated. t died when load returned; res keeps dd (and s).
const EXPECTED = {
  collects: [3, 1],
  stats: [
    { collections: 0, collected: 0, uncollectable: 0 },
    { collections: 0, collected: 0, uncollectable: 0 },
    { collections: 2, collected: 3, uncollectable: 1 },
  ],
  count: [1, 0, 0],
  log: [
    ['weakref', 'w1', 'on_a'],
    ['finalizer', 'd'],
  ],
  garbage: ['l'],
  alive: ['dd', 'f', 'keep', 'l', 's', 'w1', 'w2', 'z'],
  sizes: {},
};

describe('memprof export --python', () => {
  for (const interpreter of interpreters()) {
    it.skipIf(!interpreter.present)(`prints the hand-checked observables on CPython ${interpreter.python}`, async () => {
      const script = await exportPython(workloadFromObject(WORKLOAD), { python: interpreter.python });
      expect(await runScript(interpreter.path, script)).toEqual(EXPECTED);
    });
  }

  // `a.__dict__ = shared`: the script assigns it, and the instance's attributes go to that dict.
  const BORG = { version: 1, events: SHARED_DICT_EVENTS };
  for (const interpreter of interpreters()) {
    it.skipIf(!interpreter.present)(`assigns an instance's __dict__ as the model does, on CPython ${interpreter.python}`, async () => {
      const script = await exportPython(workloadFromObject(BORG), { python: interpreter.python });
      expect(script).toContain('a.__dict__ = shared\n');
      const observed = await runScript(interpreter.path, script);
      const { report } = await replayWorkload(workloadFromObject(BORG), { python: interpreter.python });
      expect(observed.collects).toEqual(SHARED_DICT_COLLECTS);
      expect(report.gc.passes.map((p) => p.collected)).toEqual(SHARED_DICT_COLLECTS);
    });
  }

  it('maps frames to functions and names to variables, and freezes its helpers before the workload', async () => {
    const script = await exportPython(workloadFromObject(WORKLOAD));
    expect(script).toContain('def _mp_f1_load():  # load');
    expect(script).toContain('    return dd\n');
    expect(script).toContain('res = _mp_f1_load()\n');
    // The module-level `a` is read through the module's dict inside `load`.
    expect(script).toContain('    _mp_t = (_mp_g["a"], _mp_none)\n');
    // The observation happens inside the frame still open at the end.
    expect(script).toMatch(/def _mp_f2_inner\(\):[^]*_mp_observe\(\)\n/);
    const freeze = script.indexOf('_mp_gc.freeze()');
    expect(freeze).toBeGreaterThan(script.indexOf('def _mp_observe'));
    expect(freeze).toBeLessThan(script.indexOf('# ---- the workload ----'));
  });

  it('defaults threshold 0 to 2000 for 3.13 and 700 otherwise', async () => {
    const workload = { version: 1, events: [] };
    expect(await exportPython(workloadFromObject(workload), { python: '3.13' })).toContain('_mp_gc.set_threshold(2000, 10, 10)');
    expect(await exportPython(workloadFromObject(workload))).toContain('_mp_gc.set_threshold(700, 10, 10)');
  });

  describe('on the command line', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'memprof-export-'));
      await writeFile(join(dir, 'w.json'), JSON.stringify(WORKLOAD));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it.skipIf(!interpreters()[0]!.present)('writes a script that python3 runs', async () => {
      const out = join(dir, 'w.py');
      expect(await main(['export', join(dir, 'w.json'), '--python', '-o', out])).toBe(0);
      expect(await runScript('python3', await readFile(out, 'utf8'))).toEqual(EXPECTED);
    });

    it('exits 2 when --python is missing', async () => {
      expect(await main(['export', join(dir, 'w.json'), '--quiet'])).toBe(2);
    });
  });
});
