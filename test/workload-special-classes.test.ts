// A class may be named like a member of Object.prototype: to validate and run it is a class like
// any other. Checked through main(), the way a user meets it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'memprof-classes-'));

async function memprof(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await main([...argv, '--no-color']);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** A workload with a 4 GiB class `name`: two instances, one holding the other, one let go. */
function workload(name: string): string {
  const text = JSON.stringify({
    version: 1,
    types: { CLASS: { size: 4294967296 } },
    events: [
      { op: 'alloc', id: 'a', type: 'CLASS', as: 'a', line: 1 },
      { op: 'alloc', id: 'b', type: 'CLASS', fields: { x: '$a' }, as: 'b', line: 2 },
      { op: 'ref', from: '$a', to: '$b', field: 'y', line: 3 },
      { op: 'unbind', name: 'a', line: 4 },
      { op: 'unbind', name: 'b', line: 5 },
      { op: 'gc.collect', line: 6 },
    ],
  }).replaceAll('CLASS', name);
  const path = join(dir, `${name}.json`);
  writeFileSync(path, text);
  return path;
}

describe('classes named like members of Object.prototype', () => {
  for (const name of ['valueOf', 'toString', 'constructor', 'hasOwnProperty', '__proto__']) {
    it(`validate and run treat {"types": {"${name}": {"size": 4294967296}}} exactly like a class named Node`, async () => {
      const special = workload(name);
      const node = workload('Node');
      for (const argv of [['validate'], ['run'], ['run', '--format', 'json'], ['check', '--format', 'json']]) {
        const a = await memprof([argv[0]!, special, ...argv.slice(1)]);
        const b = await memprof([argv[0]!, node, ...argv.slice(1)]);
        // Names of other lengths widen table columns: runs of spaces and rules count as one.
        const same = (s: string, file: string, cls: string): string =>
          s.replaceAll(file, 'FILE').replaceAll(cls, 'CLASS').replace(/ +/g, ' ').replace(/─+/g, '─');
        expect(a.code, argv.join(' ')).toBe(b.code);
        expect(same(a.stdout, special, name), argv.join(' ')).toBe(same(b.stdout, node, 'Node'));
        expect(same(a.stderr, special, name), argv.join(' ')).toBe(same(b.stderr, node, 'Node'));
      }
      const run = await memprof(['run', special, '--format', 'json']);
      expect(JSON.parse(run.stdout).summary.peakBytes).toBe(2 * 4294967296);
    });
  }
});
