// Every bad workload in fixtures/invalid/ comes with the exact stderr the CLI must print for it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatInputProblem } from '../src/cli/problems.js';
import { loadWorkload } from '../src/workload/load.js';

const FIXTURES = 'fixtures/invalid';
const cases = readdirSync(FIXTURES)
  .filter((f) => /\.(json|ndjson|jsonl)$/.test(f))
  .sort()
  .map((f) => ({ name: f.replace(/\.[a-z]+$/, ''), file: `${FIXTURES}/${f}` }));

function expected(name: string): string {
  return readFileSync(`${FIXTURES}/${name}.expected`, 'utf8');
}

/** Problems the loader itself finds (syntax, schema, NDJSON lines, repeat nesting). */
const LOADER_CASES = [
  'bad-header',
  'bad-line',
  'bad-numbers',
  'bad-size',
  'invalid-json',
  'invalid-json-line',
  'missing-version',
  'no-header',
  'pretty-printed',
  'proto-field-value',
  'repeat-too-deep',
  'repeat-too-deep-line',
  'repeat-var-reused',
  'schema-errors',
  'single-quotes',
  'too-many-bytes',
  'unknown-placeholder',
  'unsupported-version',
];

async function loaderProblems(file: string): Promise<string[] | 'valid'> {
  try {
    const w = await loadWorkload(file);
    for await (const _ of w.events);
    return 'valid';
  } catch (e) {
    const lines = formatInputProblem(e);
    if (lines === null) throw e;
    return lines;
  }
}

describe('invalid workloads, as the loader sees them', () => {
  it('has an expected message for every fixture, and the fixtures cover the loader cases', () => {
    for (const c of cases) expect(existsSync(`${FIXTURES}/${c.name}.expected`), c.name).toBe(true);
    for (const name of LOADER_CASES) expect(cases.map((c) => c.name)).toContain(name);
    expect(cases.length).toBeGreaterThanOrEqual(23);
  });

  for (const c of cases) {
    if (LOADER_CASES.includes(c.name)) {
      it(`${c.name}: rejected by the loader with the expected lines`, async () => {
        expect(await loaderProblems(c.file)).toEqual(expected(c.name).trimEnd().split('\n'));
      });
    } else {
      // A semantic error must come from replay, so the file has to be a valid workload.
      it(`${c.name}: passes the schema, leaving the error to replay`, async () => {
        expect(await loaderProblems(c.file)).toBe('valid');
      });
    }
  }
});

describe('invalid workloads, through the built CLI', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'memprof-invalid-'));


  for (const c of cases) {
    it(`validate ${c.name}: exit code 2 and the expected message`, () => {
      const r = spawnSync('node', ['bin/memprof.js', 'validate', c.file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(r.stderr).toBe(expected(c.name));
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.status).toBe(2);
    });

    it(`run ${c.name}: exit code 2, the expected message, no output file`, () => {
      const out = join(outDir, `${c.name}.out.json`);
      const r = spawnSync('node', ['bin/memprof.js', 'run', c.file, '-o', out], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(r.stderr).toBe(expected(c.name));
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.status).toBe(2);
      expect(existsSync(out)).toBe(false);
    });
  }
});
