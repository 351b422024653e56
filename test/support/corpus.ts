// Which CPython versions the recording tests run on. Recording a program takes seconds: `npm test`
// runs them on the version of `python3`, `MEMPROF_CORPUS=all` (`npm run test:corpus`) on every
// version present.
import { execFileSync } from 'node:child_process';
import { findInterpreter, type Interpreter } from '../../src/recorder/interpreter.js';

export const VERSIONS = ['3.11', '3.12', '3.13'] as const;
export type Version = (typeof VERSIONS)[number];

/** `major.minor` of `python3`, or null when there is none. */
export function python3Version(): string | null {
  try {
    return execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

export function interpreter(version: Version): Interpreter | null {
  try {
    return findInterpreter(version);
  } catch {
    return null;
  }
}

const wanted: readonly string[] = process.env.MEMPROF_CORPUS === 'all' ? VERSIONS : [python3Version() ?? 'none'];

/** The interpreter to record with on `version`, or why the version is skipped. */
export function corpusInterpreter(version: Version): { python: Interpreter; skipped: '' } | { python: null; skipped: string } {
  const python = interpreter(version);
  if (python === null) return { python, skipped: ' (not found: skipped)' };
  if (!wanted.includes(version)) return { python: null, skipped: ' (MEMPROF_CORPUS=all runs it: skipped)' };
  return { python, skipped: '' };
}
