// `memprof check`, the CI gate: limits from workloads and flags, exit codes, every output format,
// globs and parallel runs. The CLI is run as a user runs it (`node bin/memprof.js` on dist/).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExitCode, checkWorkload, expandGlob, expandWorkloadArgs } from '../src/cli/check.js';
import { combineLimits, evaluateLimits, workloadLimits } from '../src/analysis/limits.js';
import { escapeData, escapeProperty } from '../src/report/github.js';
import type { CheckReport } from '../src/model/report.js';

function memprof(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/memprof.js', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}


const L = 'fixtures/leaks';
const PASS_CLEAN =
  'PASS     clean-batch (fixtures/leaks/clean.json): leaked objects 0 ≤ 0 (workload), leaked bytes 0.0 B ≤ 0.0 B (workload), leaked cycles 0 ≤ 0 (workload), uncollectable objects 0 ≤ 0 (workload), peak 248.0 B ≤ 1.0 KiB (workload), final 0.0 B ≤ 0.0 B (workload)\n';
const FAIL_LRU =
  'FAIL     lru-cache (fixtures/leaks/lru_cache.json): leaked objects 2 > 0 (workload), leaked bytes 296.0 B, leaked cycles 1 > 0 (workload), uncollectable objects 0, peak 1.2 MiB ≤ 2.0 MiB (workload), final 1.2 MiB\n' +
  '         leaked cycle of 2 objects (Node ×2), 296.0 B, allocated at cache.py:14: Node .next → Node .prev → back\n';
const FAIL_EXTERNAL =
  'FAIL     external-incref (fixtures/leaks/external.json): leaked objects 2 > 0 (default), leaked bytes 4.1 KiB > 4.0 KiB (workload), leaked cycles 0, uncollectable objects 0, peak 4.1 KiB, final 4.1 KiB\n' +
  '         external (incref without decref): 1 object, 4.1 KiB (bytearray ×1) allocated at conn.py:7  conn.buffer = bytearray(4096)\n' +
  '         external (incref without decref): 1 object, 56.0 B (Connection ×1) allocated at conn.py:6  conn = Connection()\n';
const FAIL_SAVEALL =
  'FAIL     saveall-cycle (fixtures/leaks/saveall.json): leaked objects 2 > 0 (default), leaked bytes 112.0 B, leaked cycles 0, uncollectable objects 2 > 0 (workload), peak 112.0 B, final 112.0 B\n' +
  '         uncollectable (gc.garbage): 2 objects, 112.0 B (Node ×2) allocated at saveall.py:7  a, b = Node(), Node()\n';
const PASS_FROZEN =
  'PASS     frozen-cycle (fixtures/leaks/frozen.json): leaked objects 0 ≤ 0 (workload), leaked bytes 0.0 B, leaked cycles 0 ≤ 0 (workload), uncollectable objects 0 ≤ 0 (workload), peak 168.0 B, final 168.0 B\n';
const INVALID_PROBLEM =
  'fixtures/leaks/invalid.json: event 1 (events[1]) at bad.py:2 "x.next = y": unknown object \'y\'. Allocate it with an "alloc" event before referring to it.';

describe('memprof check: text', () => {
  it('one line per workload in argument order, leak details under FAIL; exit 2 when one is invalid', () => {
    const files = ['clean', 'lru_cache', 'external', 'saveall', 'frozen', 'invalid'].map((f) => `${L}/${f}.json`);
    const r = memprof(['check', ...files]);
    expect(r.stdout).toBe(
      `${PASS_CLEAN}${FAIL_LRU}${FAIL_EXTERNAL}${FAIL_SAVEALL}${PASS_FROZEN}INVALID  ${INVALID_PROBLEM}\n` +
        'memprof check: 6 workloads, 2 passed, 3 failed, 1 invalid\n',
    );
    expect(r.stderr).toBe(`${INVALID_PROBLEM}\n`);
    expect(r.code).toBe(2);
  });

  it('exit 1 when a limit is exceeded and nothing is invalid, 0 when all pass', () => {
    expect(memprof(['check', `${L}/clean.json`, `${L}/saveall.json`]).code).toBe(1);
    const ok = memprof(['check', `${L}/clean.json`, 'workloads/ci_gate.json']);
    expect(ok.stdout).toBe(
      PASS_CLEAN +
        'PASS     ci-gate (workloads/ci_gate.json): leaked objects 0 ≤ 0 (workload), leaked bytes 0.0 B, leaked cycles 0 ≤ 0 (workload), uncollectable objects 0, peak 4.0 MiB ≤ 8.0 MiB (workload), final 0.0 B ≤ 1.0 MiB (workload)\n' +
        'memprof check: 2 workloads, 2 passed, 0 failed\n',
    );
    expect(ok.code).toBe(0);
  });

  it('flags override the workload\'s limits key by key; sizes may be written "1 MiB"', () => {
    const r = memprof(['check', `${L}/lru_cache.json`, '--max-leaked-objects', '2', '--max-cycles', '1', '--max-peak', '1 MiB', '--max-final', '2MiB']);
    expect(r.stdout).toBe(
      'FAIL     lru-cache (fixtures/leaks/lru_cache.json): leaked objects 2 ≤ 2 (--max-leaked-objects), leaked bytes 296.0 B, leaked cycles 1 ≤ 1 (--max-cycles), uncollectable objects 0, peak 1.2 MiB > 1.0 MiB (--max-peak), final 1.2 MiB ≤ 2.0 MiB (--max-final)\n' +
        '         leaked cycle of 2 objects (Node ×2), 296.0 B, allocated at cache.py:14: Node .next → Node .prev → back\n' +
        'memprof check: 1 workload, 0 passed, 1 failed\n',
    );
    expect(r.code).toBe(1);
    expect(memprof(['check', `${L}/lru_cache.json`, '--max-leaked-objects', '2', '--max-cycles', '1']).code).toBe(0);
  });

  it('rejects a limit that is not a size or a count (exit 2)', () => {
    expect(memprof(['check', `${L}/clean.json`, '--max-peak', 'lots'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'memprof: --max-peak must be a size like 1048576 or "1 MiB" (units B, KiB, MiB, GiB), got \'lots\' (see memprof --help)\n',
    });
    expect(memprof(['check', `${L}/clean.json`, '--max-cycles', '-1']).stderr).toBe("memprof: --max-cycles must be a whole number ≥ 0, got '-1' (see memprof --help)\n");
  });

  it('expands globs itself (quoted patterns) and reports a pattern that matches nothing as invalid', () => {
    const r = memprof(['check', `${L}/{clean,frozen}.json`, 'nothing/*.json']);
    expect(r.stdout).toBe(`INVALID  nothing/*.json: no file matches this pattern\n${PASS_CLEAN}${PASS_FROZEN}memprof check: 3 workloads, 2 passed, 0 failed, 1 invalid\n`);
    expect(r.code).toBe(2);
  });

  it('gives the same output on worker threads as in one thread', () => {
    const files = [`${L}/*.json`, 'workloads/ci_gate.json'];
    const parallel = memprof(['check', ...files, '--jobs', '3']);
    const serial = memprof(['check', ...files, '--jobs', '1']);
    expect(parallel.stdout).toBe(serial.stdout);
    expect(parallel.code).toBe(2);
    expect(parallel.stdout).toContain('memprof check: 9 workloads, 4 passed, 4 failed, 1 invalid\n');
  });
});

describe('memprof check: other formats', () => {
  it('github: ::error at the allocating lines of leaked objects, ::warning where the limits allow the leak', () => {
    const r = memprof(['check', `${L}/lru_cache.json`, `${L}/external.json`, `${L}/saveall.json`, `${L}/churn.json`, `${L}/invalid.json`, '--format', 'github']);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(commands).toEqual([
      '::error file=cache.py,line=14,title=memprof%3A leaked cycle::2 objects (Node ×2; 296.0 B) allocated here leak in a reference cycle: cycle of 2 objects (Node ×2), 296.0 B, allocated at cache.py:14: Node .next → Node .prev → back — fixtures/leaks/lru_cache.json: leaked objects 2 > 0 (workload), leaked cycles 1 > 0 (workload)',
      '::error file=conn.py,line=7,title=memprof%3A external leak::1 object (bytearray ×1; 4.1 KiB) allocated here is held by an incref without a decref; no collector can free it — fixtures/leaks/external.json: leaked objects 2 > 0 (default), leaked bytes 4.1 KiB > 4.0 KiB (workload)',
      '::error file=conn.py,line=6,title=memprof%3A external leak::1 object (Connection ×1; 56.0 B) allocated here is held by an incref without a decref; no collector can free it — fixtures/leaks/external.json: leaked objects 2 > 0 (default), leaked bytes 4.1 KiB > 4.0 KiB (workload)',
      '::error file=saveall.py,line=7,title=memprof%3A uncollectable::2 objects (Node ×2; 112.0 B) allocated here are uncollectable, kept in gc.garbage — fixtures/leaks/saveall.json: leaked objects 2 > 0 (default), uncollectable objects 2 > 0 (workload)',
      '::warning file=churn.py,line=8,title=memprof%3A leaked cycle::10 objects (Node ×10; 560.0 B) allocated here leak in 5 reference cycles: 5 × cycle of 2 objects (Node ×2), 112.0 B each, 560.0 B in all, allocated at churn.py:8: Node .other → Node .other → back — fixtures/leaks/churn.json',
      `::error file=fixtures/leaks/invalid.json,title=memprof%3A invalid workload::${INVALID_PROBLEM}`,
    ]);
    expect(r.stdout.startsWith(FAIL_LRU)).toBe(true);
    expect(r.stdout.endsWith('memprof check: 5 workloads, 1 passed, 3 failed, 1 invalid\n')).toBe(true);
    expect(r.code).toBe(2);
  });

  it('github: a peak over its limit is reported at the line of the peak', () => {
    const r = memprof(['check', `${L}/lru_cache.json`, '--max-peak', '1 MiB', '--max-leaked-objects', '10', '--max-cycles', '10', '--format', 'github']);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::'))).toEqual([
      '::warning file=cache.py,line=14,title=memprof%3A leaked cycle::2 objects (Node ×2; 296.0 B) allocated here leak in a reference cycle: cycle of 2 objects (Node ×2), 296.0 B, allocated at cache.py:14: Node .next → Node .prev → back — fixtures/leaks/lru_cache.json',
      '::error file=cache.py,line=15,title=memprof%3A peak memory::fixtures/leaks/lru_cache.json: peak 1.2 MiB > 1.0 MiB (--max-peak)',
    ]);
  });

  it('github: escapes workflow command data and properties', () => {
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c')).toBe('a%3Ab%2Cc');
  });

  it('junit: one test case per workload, failures and errors counted, written atomically with -o', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memprof-check-'));
    const out = join(dir, 'memprof.xml');
    const r = memprof(['check', `${L}/clean.json`, `${L}/saveall.json`, `${L}/invalid.json`, '--format', 'junit', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${INVALID_PROBLEM}\nmemprof: wrote ${out}\n`);
    const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
    expect(readFileSync(out, 'utf8')).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="memprof check" tests="3" failures="1" errors="1">',
        '  <testsuite name="memprof check" tests="3" failures="1" errors="1" skipped="0">',
        '    <testcase classname="memprof.check" name="clean-batch (fixtures/leaks/clean.json)" file="fixtures/leaks/clean.json">',
        `      <system-out>${esc(PASS_CLEAN)}</system-out>`,
        '    </testcase>',
        '    <testcase classname="memprof.check" name="saveall-cycle (fixtures/leaks/saveall.json)" file="fixtures/leaks/saveall.json">',
        '      <failure type="limit" message="leaked objects 2 &gt; 0 (default); uncollectable objects 2 &gt; 0 (workload)">uncollectable (gc.garbage): 2 objects, 112.0 B (Node ×2) allocated at saveall.py:7  a, b = Node(), Node()</failure>',
        `      <system-out>${esc(FAIL_SAVEALL)}</system-out>`,
        '    </testcase>',
        '    <testcase classname="memprof.check" name="invalid-reference (fixtures/leaks/invalid.json)" file="fixtures/leaks/invalid.json">',
        `      <error type="invalid workload" message="${esc(INVALID_PROBLEM)}">${esc(INVALID_PROBLEM)}</error>`,
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('json: one document with the figures, limits, violations and leaks of every workload', () => {
    const r = memprof(['check', `${L}/external.json`, `${L}/frozen.json`, '--format', 'json']);
    const doc = JSON.parse(r.stdout) as CheckReport;
    expect(r.code).toBe(1);
    expect(doc.exitCode).toBe(1);
    expect(doc.summary).toEqual({ workloads: 2, passed: 1, failed: 1, invalid: 0, errors: 0 });
    expect(doc.results.map((x) => [x.file, x.status, x.violations])).toEqual([
      [`${L}/external.json`, 'fail', [{ limit: 'leakedObjects', value: 2, max: 0 }, { limit: 'leakedBytes', value: 4209, max: 4096 }]],
      [`${L}/frozen.json`, 'pass', []],
    ]);
    expect(doc.results[0]!.figures).toEqual({ leakedObjects: 2, leakedBytes: 4209, cycles: 0, uncollectable: 0, peakBytes: 4209, finalBytes: 4209 });
    expect(doc.results[1]!.leaks!.frozen).toMatchObject({ objects: 2, bytes: 112 });
    expect(doc.results.map((x) => [x.limits, x.limitSources])).toEqual([
      [{ leakedObjects: 0, leakedBytes: 4096 }, { leakedObjects: 'default', leakedBytes: 'workload' }],
      [{ leakedObjects: 0, cycles: 0, uncollectable: 0 }, { leakedObjects: 'workload', cycles: 'workload', uncollectable: 'workload' }],
    ]);
  });

  it('markdown: a table with the violated figures in bold', () => {
    const r = memprof(['check', `${L}/saveall.json`, '--format', 'markdown']);
    expect(r.stdout).toContain('| FAIL | `fixtures/leaks/saveall.json` | **2 > 0 (default)** | 112.0 B | 0 | **2 > 0 (workload)** | 112.0 B | 112.0 B |\n');
    expect(r.stdout).toContain('## FAIL saveall-cycle (fixtures/leaks/saveall.json)\n\n- uncollectable (gc.garbage): 2 objects');
  });
});

describe('memprof run --fail-on-leak and --show-reachable', () => {
  it('exits 1 on a leak, 0 without one', () => {
    const leaky = memprof(['run', `${L}/lru_cache.json`, '--fail-on-leak', '-q']);
    expect(leaky.code).toBe(1);
    expect(leaky.stderr).toBe('memprof: fixtures/leaks/lru_cache.json: 2 objects (296.0 B) leaked (--fail-on-leak)\n');
    expect(memprof(['run', `${L}/frozen.json`, '--fail-on-leak', '-q']).code).toBe(0);
  });

  it('--show-reachable lists reachable lines with a shortest retention path', () => {
    const r = memprof(['run', `${L}/lru_cache.json`, '--show-reachable']);
    expect(r.stdout).toContain('│ cache.py:12 │   20000 │ 1.1 MiB │ Node ×20,000 │ cache → .entries[0] → Node@cache.py:12 │ cache.entries.append(Node()) │\n');
  });
});

describe('check, in-process', () => {
  it('the worst status wins: internal error 3, invalid 2, limit 1, pass 0', async () => {
    const clean = await checkWorkload(`${L}/clean.json`, {}, {});
    const fail = await checkWorkload(`${L}/saveall.json`, {}, {});
    const invalid = await checkWorkload(`${L}/invalid.json`, {}, {});
    expect([clean.status, fail.status, invalid.status]).toEqual(['pass', 'fail', 'invalid']);
    expect(checkExitCode([clean])).toBe(0);
    expect(checkExitCode([clean, fail])).toBe(1);
    expect(checkExitCode([fail, invalid, clean])).toBe(2);
    expect(checkExitCode([{ ...clean, status: 'error' }, invalid])).toBe(3);
  });

  it('a missing file is an invalid workload, not a crash', async () => {
    const r = await checkWorkload(`${L}/missing.json`, {}, {});
    expect(r.status).toBe('invalid');
    expect(r.problems[0]).toContain('fixtures/leaks/missing.json');
  });

  it('a value above its limit fails; equal passes', () => {
    const figures = { leakedObjects: 2, leakedBytes: 100, cycles: 1, uncollectable: 0, peakBytes: 2048, finalBytes: 0 };
    expect(evaluateLimits(figures, workloadLimits({ leakedObjects: 2, peakBytes: '1 KiB', finalBytes: 0 }))).toEqual([{ limit: 'peakBytes', value: 2048, max: 1024 }]);
  });

  it('expands *, ?, {a,b} and ** in sorted order, leaving plain paths alone', () => {
    expect(expandGlob('fixtures/leaks/c*.json')).toEqual(['fixtures/leaks/churn.json', 'fixtures/leaks/clean.json']);
    expect(expandGlob('fixtures/**/{saveall,frozen}.js?n')).toEqual(['fixtures/leaks/frozen.json', 'fixtures/leaks/saveall.json']);
    expect(expandWorkloadArgs(['no/such.json', 'none/*.json'])).toEqual({ files: ['no/such.json'], unmatched: ['none/*.json'] });
  });
});

describe('memprof check without any limit', () => {
  it('holds leaked objects to 0: a leak fails, a clean workload passes', () => {
    const r = memprof(['check', 'workloads/c_extension_leak.json', 'workloads/linked_list.json']);
    expect(r.stdout).toBe(
      'FAIL     c-extension-leak (workloads/c_extension_leak.json): leaked objects 20 > 0 (default), leaked bytes 641.1 KiB, leaked cycles 0, uncollectable objects 0, peak 641.2 KiB, final 641.1 KiB\n' +
        '         external (incref without decref): 20 objects, 641.1 KiB (bytearray ×10, Connection ×10) allocated at c_extension_leak.py:15  conn = Connection()\n' +
        'PASS     linked-list (workloads/linked_list.json): leaked objects 0 ≤ 0 (default), leaked bytes 0.0 B, leaked cycles 0, uncollectable objects 0, peak 54.7 KiB, final 0.0 B\n' +
        'memprof check: 2 workloads, 1 passed, 1 failed\n',
    );
    expect(r.code).toBe(1);
  });

  it('a flag for another figure leaves the default in place: --max-peak does not lift the leak gate', () => {
    const r = memprof(['check', 'workloads/c_extension_leak.json', '--max-peak', '10 MiB']);
    expect(r.stdout).toBe(
      'FAIL     c-extension-leak (workloads/c_extension_leak.json): leaked objects 20 > 0 (default), leaked bytes 641.1 KiB, leaked cycles 0, uncollectable objects 0, peak 641.2 KiB ≤ 10.0 MiB (--max-peak), final 641.1 KiB\n' +
        '         external (incref without decref): 20 objects, 641.1 KiB (bytearray ×10, Connection ×10) allocated at c_extension_leak.py:15  conn = Connection()\n' +
        'memprof check: 1 workload, 0 passed, 1 failed\n',
    );
    expect(r.code).toBe(1);
  });

  it('`none` lifts a limit, the default included; a workload key set to null does the same', () => {
    const r = memprof(['check', 'workloads/c_extension_leak.json', `${L}/churn.json`, '--max-leaked-objects', 'none', '--max-final', '1 MiB']);
    expect(r.stdout).toBe(
      'PASS     c-extension-leak (workloads/c_extension_leak.json): leaked objects 20, leaked bytes 641.1 KiB, leaked cycles 0, uncollectable objects 0, peak 641.2 KiB, final 641.1 KiB ≤ 1.0 MiB (--max-final)\n' +
        'PASS     cycle-churn (fixtures/leaks/churn.json): leaked objects 10, leaked bytes 560.0 B ≤ 1.0 KiB (workload), leaked cycles 5, uncollectable objects 0, peak 784.0 B, final 560.0 B ≤ 1.0 MiB (--max-final)\n' +
        'memprof check: 2 workloads, 2 passed, 0 failed\n',
    );
    expect(r.code).toBe(0);
  });
});

describe('how limits combine', () => {
  it('key by key: the default, then the workload, then the flags; null removes a limit', () => {
    expect(combineLimits({})).toEqual({ limits: { leakedObjects: 0 }, sources: { leakedObjects: 'default' } });
    expect(combineLimits({ peakBytes: 100 })).toEqual({ limits: { leakedObjects: 0, peakBytes: 100 }, sources: { leakedObjects: 'default', peakBytes: 'workload' } });
    expect(combineLimits({ peakBytes: 100 }, { finalBytes: 5 })).toEqual({
      limits: { leakedObjects: 0, peakBytes: 100, finalBytes: 5 },
      sources: { leakedObjects: 'default', peakBytes: 'workload', finalBytes: 'flag' },
    });
    expect(combineLimits({ leakedObjects: 3, peakBytes: 100 }, { peakBytes: 200 })).toEqual({
      limits: { leakedObjects: 3, peakBytes: 200 },
      sources: { leakedObjects: 'workload', peakBytes: 'flag' },
    });
    expect(combineLimits({ leakedObjects: null, cycles: 0 })).toEqual({ limits: { cycles: 0 }, sources: { cycles: 'workload' } });
    expect(combineLimits({ cycles: 0 }, { cycles: null, leakedObjects: null })).toEqual({ limits: {}, sources: {} });
    expect(combineLimits({ leakedObjects: null }, { leakedObjects: 7 })).toEqual({ limits: { leakedObjects: 7 }, sources: { leakedObjects: 'flag' } });
  });

  it('the README\'s example prints what the README shows', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /\*\*How they combine\.\*\*[\s\S]*?```console\n([\s\S]*?)```/.exec(readme)![1]!;
    const runs = block.split(/^\$ memprof /m).slice(1);
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      const [command, ...printed] = run.split('\n');
      const args = [...command!.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      expect(memprof(args)).toEqual({ code: 1, stdout: printed.join('\n'), stderr: '' });
    }
  });

  it('a workload\'s limits are read with their units, null kept', () => {
    expect(workloadLimits({ leakedBytes: '1 KiB', leakedObjects: null, peakBytes: 10 })).toEqual({ leakedBytes: 1024, leakedObjects: null, peakBytes: 10 });
  });
});
