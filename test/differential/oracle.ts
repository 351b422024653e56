// The oracle: runs `memprof export --python` scripts on real interpreters and reads the observables
// back; and the same observables from memprof's own replay, in the same shape.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPython } from '../../src/export/python.js';
import type { LoadedWorkload } from '../../src/workload/loaded.js';
import type { PythonVersion } from '../../src/workload/schema.js';

export interface GcStatsEntry {
  collections: number;
  collected: number;
  uncollectable: number;
}

/** What SPEC §4.5 compares, in the shape both sides print. */
export interface Observables {
  collects: number[];
  stats: GcStatsEntry[];
  count: number[];
  log: string[][];
  garbage: string[];
  alive: string[];
}

export interface Interpreter {
  python: PythonVersion;
  path: string;
  present: boolean;
}

/** python3 is 3.11 on these machines; pyenv may add 3.12 and 3.13. */
export function interpreters(): Interpreter[] {
  const pyenv = join(homedir(), '.pyenv', 'versions');
  const candidates: [PythonVersion, string][] = [
    ['3.11', 'python3'],
    ['3.12', join(pyenv, '3.12.1', 'bin', 'python3.12')],
    ['3.13', join(pyenv, '3.13.0', 'bin', 'python3.13')],
  ];
  return candidates.map(([python, path]) => ({ python, path, present: path === 'python3' ? python3Is311() : existsSync(path) }));
}

let python3Version: string | undefined;
function python3Is311(): boolean {
  if (python3Version === undefined) {
    try {
      // Synchronous once: test collection needs to know which interpreters exist.
      python3Version = String(
        execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }),
      ).trim();
    } catch {
      python3Version = '';
    }
  }
  return python3Version === '3.11';
}

export class PythonRunError extends Error {
  override name = 'PythonRunError';
}

/** Writes the script to a temp file, runs it, parses the one JSON line it prints. */
export async function runScript(interpreter: string, script: string, timeoutMs = 30_000): Promise<Observables> {
  const dir = await mkdtemp(join(tmpdir(), 'memprof-oracle-'));
  const file = join(dir, 'workload.py');
  try {
    await writeFile(file, script);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(interpreter, [file], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => {
        if (error) reject(new PythonRunError(`${interpreter} failed: ${error.message}\n${err}`));
        else if (err.trim() !== '') reject(new PythonRunError(`${interpreter} wrote to stderr:\n${err}`));
        else resolve(out);
      });
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Observables;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** CPython's observables for a workload: export, run, parse. */
export async function cpythonObservables(loaded: LoadedWorkload, interpreter: Interpreter): Promise<Observables> {
  const script = await exportPython(loaded, { python: interpreter.python });
  return runScript(interpreter.path, script);
}

/** memprof's observables for a workload, from its replay (SPEC §7 report fields). */
export async function memprofObservables(loaded: LoadedWorkload, python: PythonVersion): Promise<Observables> {
  const { replayWorkload } = await import('../../src/replay/replay.js');
  const { report, aliveIds } = await replayWorkload(loaded, { python });
  return {
    collects: report.gc.passes.filter((p) => p.trigger === 'collect').map((p) => p.result),
    stats: report.gc.stats.map((s) => ({ collections: s.collections, collected: s.collected, uncollectable: s.uncollectable })),
    count: [...report.gc.count],
    log: report.callbacks.map((c) => (c.kind === 'finalizer' ? ['finalizer', c.id] : ['weakref', c.id, c.label ?? ''])),
    garbage: [...report.gc.garbage],
    alive: [...aliveIds].sort(),
  };
}

/** Runs `task` over `inputs` with at most `limit` at a time, results in input order. */
export async function mapLimited<T, R>(inputs: readonly T[], limit: number, task: (input: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const i = next++;
      results[i] = await task(inputs[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}
