// `memprof record` and `memprof profile` as a user runs them (the built CLI, python3): what passes
// through from the program, what memprof says, and what it refuses.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { python3Version } from './support/corpus.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'memprof.js');
const dir = mkdtempSync(join(tmpdir(), 'memprof-record-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const version = python3Version();
const recordable = version !== null && ['3.11', '3.12', '3.13'].includes(version);

function memprof(...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, PYTHONHASHSEED: '0' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function script(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

function header(trace: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, trace), 'utf8').split('\n', 1)[0]!) as Record<string, unknown>;
}

describe.skipIf(!recordable)(`memprof record on python3 (${version ?? 'none'})`, () => {
  it('passes the program its arguments, output and exit code, and says which interpreter ran', () => {
    script('args.py', 'import sys\nprint("out", sys.argv[1:])\nprint("err", file=sys.stderr)\nsys.exit(3)\n');
    const r = memprof('record', '-o', 'args.ndjson', 'args.py', '--size', '10', '-q');
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("out ['--size', '10', '-q']\n");
    expect(r.stderr).toMatch(/^err\nmemprof: recorded args\.py on CPython 3\.1\d\.\d+ \(.+\): wrote args\.ndjson; the program exited with code 3 \(the trace goes up to there\)\n$/);
    expect(header('args.ndjson')).toMatchObject({ recorded: { exitCode: 3 } });
  });

  it('keeps a valid trace up to an uncaught exception, with its traceback and exit code 1', () => {
    script('fails.py', 'data = [bytearray(100) for _ in range(10)]\nraise ValueError("bad input")\n');
    const r = memprof('record', '-q', '-o', 'fails.ndjson', 'fails.py');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ValueError: bad input\n');
    expect(r.stderr).not.toContain('memprof_record');
    const run = memprof('run', 'fails.ndjson', '--unit', 'B');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('exit code 1');
    expect(run.stdout).toContain('     1     1754.0 B     1754.0 B           1   data = [bytearray(100) for _ in range(10)]\n');
  });

  it('finishes the trace when the program calls os._exit()', () => {
    script('hard_exit.py', 'import os\nkeep = [1, 2, 3]\nos._exit(4)\n');
    const r = memprof('record', '-q', '-o', 'hard_exit.ndjson', 'hard_exit.py');
    expect(r.code).toBe(4);
    expect(header('hard_exit.ndjson')).toMatchObject({ recorded: { exitCode: 4 } });
    expect(memprof('validate', 'hard_exit.ndjson').code).toBe(0);
  });

  it('traces the main thread only and the parent of a fork, and says so in the report', () => {
    script('threads.py', 'import threading\nout = []\nt = threading.Thread(target=lambda: out.append([0] * 10))\nt.start()\nt.join()\n');
    script('forks.py', 'import os\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nos.waitpid(pid, 0)\nprint("parent")\n');
    expect(memprof('record', '-q', '-o', 'threads.ndjson', 'threads.py').code).toBe(0);
    const forked = memprof('record', '-q', '-o', 'forks.ndjson', 'forks.py');
    expect(forked.code).toBe(0);
    expect(forked.stdout).toBe('parent\n');
    expect(memprof('run', 'threads.ndjson').stdout).toContain(
      '  the program ran code in threads other than the main one: only the main thread is traced; what other threads allocate is seen only where traced code reaches it, so later figures may differ\n',
    );
    expect(memprof('run', 'forks.ndjson').stdout).toContain('  the program forked: only the parent process is traced; what a child process does is not in the trace\n');
  });

  it('profiles an empty script: no line, no figure that differs', () => {
    script('empty.py', '');
    const r = memprof('profile', 'empty.py');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  events         0\n');
    expect(r.stdout).toContain('exit code 0: all 2 figures agree)');
  });

  it('shows the trace growing with --progress', () => {
    script('slow.py', 'import time\ntime.sleep(1.5)\n');
    const r = memprof('record', '--progress', '-o', 'slow.ndjson', 'slow.py');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^memprof record: 1 s, 0\.0 MiB of trace\n/);
  });

  it("tabulates memory_profiler's example with its exact figures", () => {
    const example = readFileSync(join(ROOT, 'fixtures', 'programs', 'memory_profiler_example.py'), 'utf8');
    script('example.py', example);
    const r = memprof('profile', '--unit', 'B', 'example.py');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ {5}4 +\d+\.0 B +8000056\.0 B +1 {7}a = \[1\] \* \(10 \*\* 6\)\n/);
    expect(r.stdout).toMatch(/ {5}5 +\d+\.0 B +160000056\.0 B +1 {7}b = \[2\] \* \(2 \* 10 \*\* 7\)\n/);
    expect(r.stdout).toMatch(/ {5}6 +\d+\.0 B +-160000056\.0 B +1 {7}del b\n/);
  });
});

describe('memprof record refuses', () => {
  it('an interpreter that is not there', () => {
    const r = memprof('record', '--python', join(dir, 'no-such-python'), 'x.py');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`memprof: x.py: no such file: name the Python script to record\n`);
    script('x.py', 'pass\n');
    const missing = memprof('record', '--python', join(dir, 'no-such-python'), 'x.py');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`memprof: --python ${join(dir, 'no-such-python')}: not a Python interpreter that runs (give the path of a CPython 3.11-3.13 executable)\n`);
    expect(memprof('record', '--python', '3.99', 'x.py').stderr).toBe('memprof: --python 3.99: memprof records programs on CPython 3.11, 3.12, 3.13\n');
  });

  it('a Python older than 3.11, naming its version, and writes no trace', () => {
    const old = join(dir, 'python3.10');
    writeFileSync(old, '#!/bin/sh\necho 3.10.14\necho /usr/bin/python3.10\n');
    chmodSync(old, 0o755);
    script('y.py', 'pass\n');
    const r = memprof('record', '--python', old, '-o', 'y.ndjson', 'y.py');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`memprof: ${old} is CPython 3.10.14: memprof records programs on CPython 3.11, 3.12, 3.13 (choose one with --python)\n`);
    expect(existsSync(join(dir, 'y.ndjson'))).toBe(false);
  });
});
