// The command line under hostile or careless use: `-o` that names a device, a symlink, a FIFO,
// standard output or an input; a reader that closes the pipe; flags given twice; numbers written in
// hex, with exponents or not at all; too many jobs; a workload that exhausts memory; names that are
// empty, `-`, devices, or full of control characters. Every case: one clear line, exact exit code,
// no stack trace, nothing half-written. The CLI runs as a user runs it (node bin/memprof.js).
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { reportFailure } from '../src/cli/common.js';
import { main } from '../src/cli/main.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function memprof(args: string[], options: { env?: Record<string, string>; stdout?: number } = {}): Run {
  const r = spawnSync(process.execPath, ['bin/memprof.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', ...options.env },
    stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr };
}

/** memprof with a reader that has already gone: its stdout is a pipe nobody reads. */
function memprofClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/memprof.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '' } });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** main() in this process, for usage errors (found before any command runs): exit code and stderr. */
async function usage(args: string[]): Promise<{ code: number; stderr: string }> {
  const chunks: string[] = [];
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return { code: await main(args), stderr: chunks.join('') };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

const L = 'fixtures/leaks';
const CLEAN = `${L}/clean.json`;
const LRU = `${L}/lru_cache.json`;
const SCHEMA = memprof(['schema']).stdout;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'memprof-hostile-'));
}

describe('-o writes through what it names', () => {
  it('writes into /dev/null, which stays a device', () => {
    expect(memprof(['schema', '-o', '/dev/null'])).toEqual({ code: 0, stdout: '', stderr: 'memprof: wrote /dev/null\n' });
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('writes the target of a symlink, keeping the link and the file\'s mode, and leaves no temp file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'target.json'), 'old');
    chmodSync(join(dir, 'target.json'), 0o640);
    symlinkSync('target.json', join(dir, 'link.json'));
    expect(memprof(['schema', '-o', join(dir, 'link.json')]).code).toBe(0);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'target.json'), 'utf8')).toBe(SCHEMA);
    expect(statSync(join(dir, 'target.json')).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['link.json', 'target.json']);
  });

  it('creates the missing target of a dangling symlink', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join('sub', 'new.json'), join(dir, 'link.json'));
    expect(memprof(['schema', '-o', join(dir, 'link.json')]).code).toBe(0);
    expect(readFileSync(join(dir, 'sub', 'new.json'), 'utf8')).toBe(SCHEMA);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
  });

  it('writes /dev/stdout into the file the shell redirected to, not over it', () => {
    const dir = tempDir();
    const file = join(dir, 'out.json');
    writeFileSync(file, '');
    const inode = statSync(file).ino;
    const fd = openSync(file, 'w');
    try {
      expect(memprof(['schema', '-o', '/dev/stdout'], { stdout: fd })).toEqual({ code: 0, stdout: '', stderr: 'memprof: wrote /dev/stdout\n' });
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe(SCHEMA);
    expect(statSync(file).ino).toBe(inode);
    expect(readdirSync(dir)).toEqual(['out.json']);
  });

  it('writes /dev/stdout into a pipe, and `-o -` means standard output', () => {
    expect(memprof(['schema', '-o', '/dev/stdout'])).toEqual({ code: 0, stdout: SCHEMA, stderr: 'memprof: wrote /dev/stdout\n' });
    expect(memprof(['schema', '-o', '-'])).toEqual({ code: 0, stdout: SCHEMA, stderr: '' });
  });

  it.skipIf(spawnSync('mkfifo', ['--version']).error !== undefined)('writes straight into a FIFO', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.on('data', (d: Buffer) => (read += d.toString()));
    const writer = spawn(process.execPath, ['bin/memprof.js', 'schema', '-o', fifo]);
    const [code] = await Promise.all([new Promise((r) => writer.on('close', r)), new Promise((r) => reader.on('close', r))]);
    expect(code).toBe(0);
    expect(read).toBe(SCHEMA);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['fifo']);
  });

  it('reports a device that cannot take the output (exit 2)', () => {
    expect(memprof(['schema', '-o', '/dev/full'])).toEqual({ code: 2, stdout: '', stderr: 'memprof: cannot write /dev/full: ENOSPC: no space left on device\n' });
  });

  it('refuses a directory and an empty name (exit 2)', () => {
    const dir = tempDir();
    expect(memprof(['run', CLEAN, '-o', dir])).toEqual({ code: 2, stdout: '', stderr: `memprof: cannot write ${dir}: it is a directory\n` });
    expect(memprof(['run', CLEAN, '-o', ''])).toEqual({
      code: 2,
      stdout: '',
      stderr: "memprof: -o '' names no file: name the file to write, or leave -o out for standard output\n",
    });
  });

  it('refuses to overwrite an input, however it is named, before any work (exit 2)', () => {
    const dir = tempDir();
    const workload = join(dir, 'w.json');
    const original = readFileSync(CLEAN, 'utf8');
    writeFileSync(workload, original);
    symlinkSync('w.json', join(dir, 'alias.json'));
    const refusal = (name: string, input: string): string =>
      `memprof: -o ${name === input ? name : `${name}, which is ${input},`} is an input of this command: refusing to overwrite it; name another output file\n`;
    expect(memprof(['run', workload, '-o', workload])).toEqual({ code: 2, stdout: '', stderr: refusal(workload, workload) });
    expect(memprof(['export', workload, '--python', '-o', join(dir, 'alias.json')])).toEqual({ code: 2, stdout: '', stderr: refusal(join(dir, 'alias.json'), workload) });
    expect(memprof(['plot', join(dir, 'alias.json'), '-o', workload])).toEqual({ code: 2, stdout: '', stderr: refusal(workload, join(dir, 'alias.json')) });
    expect(memprof(['check', `${dir}/*.json`, '--format', 'junit', '-o', join(dir, '.', 'w.json')]).code).toBe(2);
    expect(readFileSync(workload, 'utf8')).toBe(original);
    expect(readdirSync(dir).sort()).toEqual(['alias.json', 'w.json']);
  });
});

describe('a reader that closes the pipe', () => {
  it('ends run quietly with the status it would have had', async () => {
    expect(await memprofClosedStdout(['run', LRU])).toEqual({ code: 0, stderr: '' });
    expect(await memprofClosedStdout(['run', LRU, '--fail-on-leak'])).toEqual({
      code: 1,
      stderr: 'memprof: fixtures/leaks/lru_cache.json: 2 objects (296.0 B) leaked (--fail-on-leak)\n',
    });
  });

  it('lets check finish every workload, so a failing gate still fails', async () => {
    expect(await memprofClosedStdout(['check', CLEAN, LRU])).toEqual({ code: 1, stderr: '' });
    expect(await memprofClosedStdout(['check', CLEAN, LRU, '--format', 'github'])).toEqual({ code: 1, stderr: '' });
  });

  it('reports a standard output that cannot be written for another reason (exit 2)', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      expect(memprof(['run', CLEAN], { stdout: fd })).toEqual({ code: 2, stdout: '', stderr: 'memprof: cannot write to standard output: ENOSPC: no space left on device\n' });
    } finally {
      closeSync(fd);
    }
  });
});

describe('a flag given twice takes its last value', () => {
  it('run: --format, --python, --unit, --precision, --memory-model', () => {
    const r = memprof(['run', CLEAN, '--format', 'json', '--format', 'text', '--python', '3.12', '--python', '3.13', '--unit', 'B', '--unit', 'KiB', '--precision', '1', '--precision', '3', '--memory-model', 'pymalloc', '--memory-model', 'live']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^memprof \S+ report: clean-batch\n/);
    expect(r.stdout).toContain('  Python model   CPython 3.13\n  memory model   live\n');
    expect(r.stdout).toMatch(/\n {2}final {6}0\.000 KiB\n/);
  });

  it('run and export: -o twice writes only the last file', () => {
    const dir = tempDir();
    expect(memprof(['run', CLEAN, '-f', 'json', '-o', join(dir, 'a.json'), '-o', join(dir, 'b.json')])).toEqual({
      code: 0,
      stdout: '',
      stderr: `memprof: wrote ${join(dir, 'b.json')}\n`,
    });
    expect(memprof(['export', CLEAN, '--python', '3.12', '--python', '3.13', '-o', join(dir, 'a.py'), '--output', join(dir, 'b.py')]).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['b.json', 'b.py']);
    expect(readFileSync(join(dir, 'b.py'), 'utf8').split('\n')[0]).toBe('# memprof export for the CPython 3.13 model. Prints, as JSON, what SPEC §4.5 compares:');
  });

  it('check: still every file, and the last --format, --jobs and limit', () => {
    const r = memprof(['check', CLEAN, LRU, '--format', 'json', '--format', 'text', '--jobs', '2', '--jobs', '1', '--max-leaked-objects', '0', '--max-leaked-objects', '5', '--max-cycles', '0', '--max-cycles', '1', '--max-peak', '1', '--max-peak', '2 MiB']);
    expect(r.stdout.split('\n').map((l) => l.slice(0, 9))).toEqual(['PASS     ', 'PASS     ', 'memprof c', '']);
    expect(r.code).toBe(0);
  });

  it('validate: still every file', () => {
    expect(memprof(['validate', CLEAN, LRU, '--python', '3.12', '--python', '3.11'])).toEqual({
      code: 0,
      stdout: `${CLEAN}: ok (9 events)\n${LRU}: ok (40011 events)\n`,
      stderr: '',
    });
  });

  it('plot: --width, --height and --format', () => {
    const r = memprof(['plot', 'fixtures/golden/load-cache.report.json', '--width', '100', '--width', '30', '--height', '20', '--height', '4', '--format', 'markdown', '--format', 'text']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /[┤┼]/.test(l));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(30);
    expect(r.stdout.startsWith('```')).toBe(false);
  });
});

describe('numbers are plain decimal, in range, and quoted back as typed', () => {
  const see = ' (see memprof --help)\n';
  const cases: [string[], string][] = [];
  const bad = (flag: string, expected: string, values: string[], command = ['check', CLEAN]): void => {
    for (const v of values) cases.push([[...command, `--${flag}`, v], `memprof: --${flag} must be ${expected}, got '${v}'${see}`]);
  };
  for (const flag of ['max-leaked-objects', 'max-cycles', 'max-uncollectable']) bad(flag, 'a whole number ≥ 0', ['0x10', '', ' ', '-1', '1.5', '1e3', '+5', 'abc', '١٢']);
  for (const flag of ['max-leaked-bytes', 'max-peak', 'max-final']) {
    bad(flag, 'a size like 1048576 or "1 MiB" (units B, KiB, MiB, GiB)', ['0x10', '', ' ', '-1', '1e3', 'lots', '64 mib', ' 64 MiB', '1.']);
  }
  bad('jobs', 'a positive integer', ['0', '0x2', '', 'abc', '1.5', '-2']);
  bad('precision', 'an integer from 0 to 12', ['13', '0x1', '', 'abc', '1e1', '-1'], ['run', CLEAN]);
  bad('max-points', 'an integer from 2 to 50000', ['1', '0', '50001', '1e3', 'abc', ''], ['run', CLEAN]);
  bad('interval', 'a positive number', ['0', '0.0', '-1', '1e3', '0x10', 'abc', '', '.5', 'Infinity'], ['run', CLEAN]);
  bad('width', 'an integer from 24 to 1000', ['23', '1001', '0x30', 'abc', ''], ['plot', CLEAN]);
  bad('height', 'an integer from 2 to 500', ['1', '501', '1e1', ''], ['plot', CLEAN]);
  cases.push([['check', CLEAN, '--max-cycles', '9007199254740992'], `memprof: --max-cycles must be at most 9007199254740991, got '9007199254740992'${see}`]);
  cases.push([['check', CLEAN, '--max-peak', '0.1 KiB'], `memprof: --max-peak must come to a whole number of bytes, got '0.1 KiB'${see}`]);
  cases.push([['check', CLEAN, '--max-peak', '8388608 GiB'], `memprof: --max-peak must be at most 9007199254740991 bytes, got '8388608 GiB'${see}`]);

  it.each(cases)('memprof %j', async (args, stderr) => {
    expect(await usage(args)).toEqual({ code: 2, stderr });
  });

  it('accepts what the help shows: digits, and sizes with their units', async () => {
    for (const args of [
      ['--max-peak', '64 MiB'],
      ['--max-peak', '64MiB'],
      ['--max-final', '1.5 KiB'],
      ['--max-leaked-bytes', '1048576'],
      ['--max-cycles', '007'],
      ['--max-leaked-objects', '9007199254740991'],
      ['--jobs', '1'],
    ]) {
      expect((await usage(['check', CLEAN, '-q', ...args])).code, args.join(' ')).toBe(0);
    }
    expect((await usage(['run', CLEAN, '-q', '--interval', '0.5', '--max-points', '50000', '--precision', '0'])).code).toBe(0);
  });

  it('caps --jobs at the number of cores and says so', () => {
    const cores = availableParallelism();
    const r = memprof(['check', CLEAN, '--jobs', String(cores + 62)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`memprof: --jobs ${cores + 62}: this machine has ${cores} core${cores === 1 ? '' : 's'}; using ${cores}\n`);
  });
});

describe('memory exhaustion is a resource problem (exit 2), not an internal error', () => {
  it('check: a workload that exhausts a worker\'s heap is reported with the limit; the others still run', () => {
    const dir = tempDir();
    const big = join(dir, 'big.json');
    writeFileSync(
      big,
      JSON.stringify({
        version: 1,
        name: 'big',
        events: [
          { op: 'alloc', id: 'keep', type: 'list', as: 'keep' },
          { op: 'repeat', count: 3_000_000, body: [{ op: 'alloc', id: 'n{i}', type: 'Node', into: { obj: '$keep' } }] },
        ],
      }),
    );
    const r = memprof(['check', big, CLEAN, '--jobs', '1'], { env: { NODE_OPTIONS: '--max-old-space-size=64' } });
    const problem = new RegExp(
      `^${big.replace(/[.\\/]/g, '\\$&')}: out of memory: replaying it needs more than the (\\d+) MiB heap limit; raise it with NODE_OPTIONS=--max-old-space-size=(\\d+), or check fewer workloads at once \\(--jobs 1\\)$`,
    );
    const lines = r.stderr.split('\n');
    expect(lines).toHaveLength(2);
    const m = problem.exec(lines[0]!);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![2])).toBe(2 * Number(m![1]));
    expect(r.stdout.split('\n')[0]).toBe(`INVALID  ${lines[0]}`);
    expect(r.stdout).toContain('PASS     clean-batch');
    expect(r.code).toBe(2);
  });

  it('run: the size limits V8 can report become one line and exit 2', () => {
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
    try {
      expect(reportFailure(new RangeError('Invalid string length'), false)).toBe(2);
      expect(reportFailure(Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' }), false)).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(chunks[0]).toBe('memprof: out of memory: a string, array or map would grow past what JavaScript allows; split the trace, or write it as NDJSON\n');
    expect(chunks[1]).toMatch(/^memprof: out of memory: replaying it needs more than the \d+ MiB heap limit; raise it with NODE_OPTIONS=--max-old-space-size=\d+, or check fewer workloads at once \(--jobs 1\)\n$/);
  });
});

describe('names: empty, `-`, devices, control characters', () => {
  it('`-` is not standard input, and says so', () => {
    const message = '-: reading a workload from standard input is not supported; name a file\n';
    expect(memprof(['run', '-'])).toEqual({ code: 2, stdout: '', stderr: message });
    expect(memprof(['check', CLEAN, '-'])).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it("'' names no file", () => {
    const message = "memprof: '' names no workload file: name a .json, .ndjson or .jsonl file\n";
    for (const command of [['run', ''], ['validate', CLEAN, ''], ['check', ''], ['plot', ''], ['export', '', '--python']]) {
      expect(memprof(command), command.join(' ')).toEqual({ code: 2, stdout: '', stderr: message });
    }
  });

  it('a workload that is a device, a directory or a link to one is refused, not read forever', () => {
    const dir = tempDir();
    symlinkSync('/dev/zero', join(dir, 'zero.json'));
    symlinkSync('/dev/zero', join(dir, 'zero.ndjson'));
    mkdirSync(join(dir, 'dir.json'));
    for (const [name, kind] of [['zero.json', 'a character device'], ['zero.ndjson', 'a character device'], ['dir.json', 'a directory']]) {
      const file = join(dir, name!);
      expect(memprof(['run', file])).toEqual({ code: 2, stdout: '', stderr: `${file}: cannot read file: it is ${kind}, not a workload file\n` });
    }
    const r = memprof(['check', `${dir}/*.json`, CLEAN]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`INVALID  ${join(dir, 'zero.json')}: cannot read file: it is a character device, not a workload file\n`);
  });

  it('control characters in file names reach the terminal escaped', () => {
    const dir = tempDir();
    const name = join(dir, 'a\n::error::forged\x1b[2J.json');
    expect(memprof(['run', name])).toEqual({
      code: 2,
      stdout: '',
      stderr: `${dir}/a\\n::error::forged\\x1b[2J.json: cannot read file: ENOENT: no such file or directory\n`,
    });
    expect(memprof(['schema', '-o', join(dir, 'x\x1b]0;t\x07', 'y')])).toEqual({
      code: 2,
      stdout: '',
      stderr: `memprof: cannot write ${dir}/x\\x1b]0;t\\x07/y: ENOENT: no such file or directory\n`,
    });
    const named = join(dir, 'named.json');
    writeFileSync(named, JSON.stringify({ version: 1, name: 'a\u2028b\x85c\x1bd\u202ee', events: [] }));
    const json = memprof(['run', named, '--format', 'json']);
    expect(json.stdout).toContain('"name": "a\\u2028b\\u0085c\\u001bd\\u202ee",');
    expect(JSON.parse(json.stdout).workload.name).toBe('a\u2028b\x85c\x1bd\u202ee');
    expect(memprof(['run', named]).stdout.split('\n')[0]).toMatch(/^memprof \S+ report: a\\u2028b\\x85c\\x1bd\\u202ee$/);
    const workload = join(dir, 'w\r\u2028.json');
    writeFileSync(workload, readFileSync(CLEAN, 'utf8'));
    expect(memprof(['validate', workload])).toEqual({ code: 0, stdout: `${dir}/w\\r\\u2028.json: ok (9 events)\n`, stderr: '' });
  });

  it('a workload cannot forge workflow commands through check --format github', () => {
    const dir = tempDir();
    const workload = JSON.parse(readFileSync(LRU, 'utf8')) as { name: string; source: { file: string; lines: string[] } };
    workload.name = 'x\n::stop-commands::pwned\n::error file=a.py,line=1::forged';
    workload.source.file = 'cache.py\r\n::error::forged';
    workload.source.lines = workload.source.lines.map((l) => `${l}\n::warning::forged`);
    writeFileSync(join(dir, 'w.json'), JSON.stringify(workload));
    const r = memprof(['check', join(dir, 'w.json'), '--format', 'github']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => l.startsWith('::'))).toHaveLength(1);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^(FAIL {5}|PASS {5}| {9}|::error file=cache\.py\\r\\n%3A%3Aerror%3A%3Aforged,line=14,title=memprof%3A leaked cycle::)/);
    expect(lines.at(-1)).toBe('memprof check: 1 workload, 0 passed, 1 failed');
  });

  it('glob patterns that are not patterns, and link loops, end', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), readFileSync(CLEAN, 'utf8'));
    symlinkSync('.', join(dir, 'loop'));
    mkdirSync(join(dir, 'sub'));
    symlinkSync('..', join(dir, 'sub', 'back'));
    const r = memprof(['check', `${dir}/**/*.json`, `${dir}/[z-a].json`, `${dir}/{a.json`]);
    expect(r.stdout.split('\n')).toEqual([
      `INVALID  ${dir}/[z-a].json: no file matches this pattern`,
      `INVALID  ${dir}/{a.json: no file matches this pattern`,
      expect.stringMatching(new RegExp(`^PASS {5}clean-batch \\(${dir.replace(/[.\\/]/g, '\\$&')}/a\\.json\\)`)),
      'memprof check: 3 workloads, 1 passed, 0 failed, 2 invalid',
      '',
    ]);
  });

  it('a saved report that is not one is named as such, never drawn half', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ tool: 'memprof', timeline: [{ t: 0, bytes: 1, min: 0, max: 'x' }] }));
    expect(memprof(['plot', join(dir, 'r.json')])).toEqual({
      code: 2,
      stdout: '',
      stderr: `${join(dir, 'r.json')}: version: not a report memprof can draw: missing (expected string). plot reads the JSON written by "memprof run --format json", or a workload.\n`,
    });
  });
});
