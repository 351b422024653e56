// A pattern whose directory cannot be read is reported as such (exit 2), never as "no file
// matches": a CI gate that silently skips workloads it may not read would pass them. The file
// system is made to refuse one directory, as it does for a user without the permission (root,
// which runs these tests in some containers, is never refused).
import { describe, expect, it, vi } from 'vitest';

const SECRET = 'fixtures/leaks';

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const refuse = (syscall: string, path: string): never => {
    throw Object.assign(new Error(`EACCES: permission denied, ${syscall} '${path}'`), { code: 'EACCES', errno: -13, syscall, path });
  };
  const inside = (path: unknown): boolean => String(path).startsWith(`${SECRET}/`);
  return {
    ...fs,
    readdirSync: ((path: string, options: never) => (String(path) === SECRET ? refuse('scandir', path) : fs.readdirSync(path, options))) as typeof fs.readdirSync,
    statSync: ((path: string, options: never) => (inside(path) ? refuse('stat', path) : fs.statSync(path, options))) as typeof fs.statSync,
  };
});

const { expandWorkloadArgs } = await import('../src/cli/check.js');

describe('check: a directory it may not read', () => {
  it('names the path and the reason, in the order the patterns were given, and keeps what matched elsewhere', () => {
    expect(expandWorkloadArgs([`${SECRET}/*.json`, 'fixtures/**/key-*.json', `${SECRET}/sub/*.json`, 'none/*.json'])).toEqual({
      files: ['fixtures/differential/key-table-full.json'],
      invalid: [
        { pattern: 'fixtures/leaks/*.json', problem: 'cannot read fixtures/leaks: EACCES: permission denied' },
        { pattern: 'fixtures/**/key-*.json', problem: 'cannot read fixtures/leaks: EACCES: permission denied' },
        { pattern: 'fixtures/leaks/sub/*.json', problem: 'cannot read fixtures/leaks/sub: EACCES: permission denied' },
        { pattern: 'none/*.json', problem: 'no file matches this pattern' },
      ],
    });
  });
});
