// The CLI as a user runs it: `node bin/memprof.js …` on the built dist/ (built once by test/setup/build.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { builtinTypesText } from '../src/heap/sizes.js';
import { ExitStatus, reportFailure, wantsColor, type RenderArgs } from '../src/cli/common.js';
import { UsageError, WorkloadError } from '../src/workload/errors.js';
import { workloadSchema } from '../src/workload/schema.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function memprof(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, ['bin/memprof.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}


const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

describe('memprof --version and --help', () => {
  it('prints the package version', () => {
    expect(memprof(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('lists the commands and the exit codes', () => {
    const r = memprof(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['run <workload>', 'validate <workload...>', 'plot <file>', 'export <workload>', 'schema']) {
      expect(r.stdout).toContain(`memprof ${command}`);
    }
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 a limit was exceeded, 2 invalid workload or usage, 3');
  });

  for (const command of ['run', 'validate', 'plot', 'schema']) {
    it(`shows examples in ${command} --help`, () => {
      const r = memprof([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toMatch(new RegExp(`\\n  memprof ${command} `));
    });
  }

  it('documents what --quiet keeps', () => {
    expect(memprof(['run', '--help']).stdout).toContain('print nothing but errors and the "wrote FILE" notice');
  });
});

describe('usage errors: one line on stderr, exit code 2, no stack', () => {
  const cases: [string[], string][] = [
    [[], 'memprof: name a command: run, check, validate, plot, export, schema, record or profile (see memprof --help)\n'],
    [['run'], 'memprof: Not enough non-option arguments: got 0, need at least 1 (see memprof --help)\n'],
    [['run', 'w.json', '--bogus'], 'memprof: Unknown argument: bogus (see memprof --help)\n'],
    [['run', 'w.json', '--precision', '1.5'], "memprof: --precision must be an integer from 0 to 12, got '1.5' (see memprof --help)\n"],
    [['run', 'w.json', '--interval', '0'], "memprof: --interval must be a positive number, got '0' (see memprof --help)\n"],
    [
      ['run', 'w.json', '--python', '3.10'],
      'memprof: Invalid values: Argument: python, Given: "3.10", Choices: "3.11", "3.12", "3.13" (see memprof --help)\n',
    ],
    [
      ['run', 'w.json', '--format', 'html'],
      'memprof: Invalid values: Argument: format, Given: "html", Choices: "text", "json", "markdown" (see memprof --help)\n',
    ],
  ];
  for (const [args, message] of cases) {
    it(`memprof ${args.join(' ')}`, () => {
      expect(memprof(args)).toEqual({ code: 2, stdout: '', stderr: message });
    });
  }

  it('names a missing workload file', () => {
    expect(memprof(['run', 'no-such.json'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'no-such.json: cannot read file: ENOENT: no such file or directory\n',
    });
  });
});

describe('memprof schema', () => {
  it('prints the JSON Schema generated from the zod schema', () => {
    const r = memprof(['schema']);
    expect(r.code).toBe(0);
    // The zod schema's own, with the built-in types' sizes appended to two descriptions.
    const sizes = JSON.stringify(`. ${builtinTypesText()}`).slice(1, -1);
    const ownClass = JSON.stringify(". A name that is not declared and not built in is a class of the workload's own").slice(1, -1);
    expect(r.stdout.split(sizes).length).toBe(3);
    const stripped = r.stdout.replaceAll(`${ownClass}${sizes}`, '').replaceAll(sizes, '');
    expect(JSON.parse(stripped)).toEqual(z.toJSONSchema(workloadSchema, { io: 'input' }));
  });

  it('describes the nested repeat body with a reference to the event definition, not an inlined copy', () => {
    const schema = JSON.parse(memprof(['schema']).stdout);
    const ref = schema.properties.events.items.$ref as string;
    expect(ref).toMatch(/^#\/\$defs\//);
    const event = schema.$defs[ref.slice('#/$defs/'.length)];
    const repeat = event.oneOf.find((e: { properties: { op: { const: string } } }) => e.properties.op.const === 'repeat');
    expect(repeat.properties.body.items).toEqual({ $ref: ref });
  });

  it('writes -o atomically and says so on stderr, even with --quiet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memprof-cli-'));
    const out = join(dir, 'workload.schema.json');
    writeFileSync(out, 'old');
    const r = memprof(['schema', '-q', '-o', out]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: `memprof: wrote ${out}\n` });
    expect(readFileSync(out, 'utf8')).toBe(memprof(['schema']).stdout);
    expect(readdirSync(dir)).toEqual(['workload.schema.json']);
  });

  it('leaves no file behind when the directory does not exist (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memprof-cli-'));
    const r = memprof(['schema', '-o', join(dir, 'missing', 's.json')]);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: `memprof: cannot write ${join(dir, 'missing', 's.json')}: ENOENT: no such file or directory\n`,
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('memprof plot of a saved report', () => {
  it('draws the chart of a report.json without replaying', () => {
    const r = memprof(['plot', 'fixtures/golden/load-cache.report.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync('fixtures/golden/load-cache.chart.txt', 'utf8'));
  });

  it('wraps it in a fenced block for markdown', () => {
    const r = memprof(['plot', 'fixtures/golden/load-cache.report.json', '--format', 'markdown']);
    expect(r.stdout).toBe(`\`\`\`text\n${readFileSync('fixtures/golden/load-cache.chart.txt', 'utf8')}\`\`\`\n`);
  });

  it('reports a JSON syntax error with line:column (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memprof-cli-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "tool": "memprof",\n  oops\n}\n');
    const r = memprof(['plot', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${bad.replace(/[.\\/]/g, '\\$&')}:3:3: invalid JSON: .*\n$`));
  });
});

// The worked example (a copy of the shared example) through the real engine, once it replays.
const EXAMPLE = 'fixtures/golden/load-cache.workload.json';
const engineReady = await (async () => {
  let replay;
  try {
    replay = await import('../src/replay/replay.js');
  } catch {
    return false; // its modules are still being written
  }
  const { loadWorkload } = await import('../src/workload/load.js');
  try {
    await replay.replayWorkload(await loadWorkload(EXAMPLE));
    return true;
  } catch (err) {
    return !(err instanceof Error && err.message === 'not implemented yet');
  }
})();

describe.skipIf(!engineReady)('memprof run on the worked example', () => {
  it('prints the worked example\'s line figures in memory_profiler\'s layout', () => {
    const r = memprof(['run', EXAMPLE]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n');
    for (const row of [
      '     3       64.0 B       64.0 B           1       cache = {}',
      '     4      784.0 B        0.0 B           4       for i in range(n):',
      "     5      784.0 B      720.0 B           3           cache[f'k{i}'] = Row()",
      '     6      784.0 B        0.0 B           1       return cache',
      '     7      784.0 B      784.0 B           1   rows = load(3)',
      '     8        0.0 B     -784.0 B           1   del rows',
    ]) {
      expect(rows).toContain(row);
    }
    expect(rows).toContain('  no collection ran');
    expect(rows).toContain('  final      0.0 B');
    expect(rows).toContain('  objects    4 allocated, 4 freed, 0 live');
    expect(r.stdout).toMatch(/\n {2}peak {7}784\.0 B at demo\.py:5 \(event \d+, t=\d+\)\n/);
  });

  it('prints exactly the golden report (fixtures/golden/load-cache.run.txt)', () => {
    expect(memprof(['run', EXAMPLE]).stdout).toBe(readFileSync('fixtures/golden/load-cache.run.txt', 'utf8'));
  });

  it('produces the hand-made golden Report the renderers are tested on', () => {
    const report = JSON.parse(memprof(['run', EXAMPLE, '--format', 'json']).stdout);
    const handMade = JSON.parse(readFileSync('fixtures/golden/load-cache.report.json', 'utf8'));
    expect(report).toEqual({ ...handMade, workload: { ...handMade.workload, file: EXAMPLE } });
  });

  it('validates it', () => {
    expect(memprof(['validate', EXAMPLE])).toEqual({ code: 0, stdout: `${EXAMPLE}: ok (11 events)\n`, stderr: '' });
  });

  it('says "1 event", not "1 events"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memprof-validate-'));
    const file = join(dir, 'one.json');
    writeFileSync(file, '{"version": 1, "events": [{"op": "line", "line": 1}]}');
    expect(memprof(['validate', file])).toEqual({ code: 0, stdout: `${file}: ok (1 event)\n`, stderr: '' });
  });

  it('validates every file and exits 2 when one is invalid', () => {
    const r = memprof(['validate', 'no-such.json', EXAMPLE]);
    expect(r).toEqual({
      code: 2,
      stdout: `${EXAMPLE}: ok (11 events)\n`,
      stderr: 'no-such.json: cannot read file: ENOENT: no such file or directory\n',
    });
  });

  it('writes the JSON report that plot draws again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memprof-cli-'));
    const out = join(dir, 'report.json');
    expect(memprof(['run', EXAMPLE, '--format', 'json', '-o', out]).code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.tool).toBe('memprof');
    expect(report.summary.peakBytes).toBe(784);
    expect(memprof(['plot', out]).stdout).toBe(memprof(['plot', EXAMPLE]).stdout);
  });
});

describe('how a failure becomes a message and an exit code', () => {
  function failure(err: unknown, debug = false): { code: number; stderr: string } {
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
    try {
      return { code: reportFailure(err, debug), stderr: chunks.join('') };
    } finally {
      spy.mockRestore();
    }
  }

  it('a bug: one line asking for a report, exit 3; the stack only with --debug', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'refcount')\nmore");
    expect(failure(bug)).toEqual({
      code: 3,
      stderr:
        "memprof: internal error: Cannot read properties of undefined (reading 'refcount') — please report this at the memprof issue tracker\n",
    });
    const debug = failure(bug, true);
    expect(debug.code).toBe(3);
    expect(debug.stderr.split('\n')[1]).toBe("TypeError: Cannot read properties of undefined (reading 'refcount')");
  });

  it('a workload problem: its formatted line, exit 2', () => {
    const e = new WorkloadError({ file: 'w.json', path: 'events[3].to' }, 'expected string, received number');
    expect(failure(e)).toEqual({ code: 2, stderr: 'w.json: events[3].to: expected string, received number\n' });
  });

  it('a usage problem: one line, exit 2; an exit status: silent', () => {
    expect(failure(new UsageError('--precision must be …'))).toEqual({ code: 2, stderr: 'memprof: --precision must be …\n' });
    expect(failure(new ExitStatus(1))).toEqual({ code: 1, stderr: '' });
  });

  it('never colours a file, NO_COLOR, --no-color or a pipe', () => {
    const args = { color: true, quiet: false, debug: false, unit: 'auto', precision: 1 } as RenderArgs;
    expect(wantsColor({ ...args, output: 'r.txt' }, {})).toBe(false);
    expect(wantsColor(args, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ ...args, color: false }, {})).toBe(false);
    expect(wantsColor(args, {})).toBe(process.stdout.isTTY === true);
  });
});
