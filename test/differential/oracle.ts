// The oracle: runs `memprof export --python` scripts on real interpreters and reads the observables
// back; and the same observables from memprof's own replay, in the same shape.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { exportPython } from '../../src/export/python.js';
import { pyenvBuilds } from '../../src/recorder/interpreter.js';
import type { LoadedWorkload } from '../../src/workload/loaded.js';
import type { PythonVersion } from '../../src/workload/schema.js';

export interface GcStatsEntry {
  collections: number;
  collected: number;
  uncollectable: number;
}

/** The observables (docs/model.md, "The observables"), in the shape both sides print. */
export interface Observables {
  collects: number[];
  stats: GcStatsEntry[];
  count: number[];
  log: string[][];
  garbage: string[];
  alive: string[];
  /** `sys.getsizeof` of every set and frozenset alive at the end, by id (sorted). */
  sizes: Record<string, number>;
}

export interface Interpreter {
  python: PythonVersion;
  /** The executable; empty when none was found. */
  path: string;
  present: boolean;
  /** `sys.version` up to the build details, e.g. "3.12.1"; empty when none was found. */
  version: string;
  /** Where it was looked for, when it was not found. */
  missing: string;
}

const PYTHONS: readonly PythonVersion[] = ['3.11', '3.12', '3.13'];

/** The patch release an executable runs (e.g. "3.12.4"), or '' when it does not run. */
function versionOf(path: string): string {
  try {
    return execFileSync(path, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return '';
  }
}

/** `name` on the PATH, or null. */
function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

let found: Interpreter[] | undefined;

/**
 * One interpreter per modelled version: the newest pyenv build of it (any patch release), else
 * `python3.M` on the PATH, else `python3` when it is 3.M. Looked up once (synchronously: test
 * collection needs to know which interpreters exist). MEMPROF_CPYTHON=none finds none, as on a
 * machine without CPython: the suite then compares with the recording only.
 */
export function interpreters(): Interpreter[] {
  found ??= PYTHONS.map((python): Interpreter => {
    if (process.env.MEMPROF_CPYTHON === 'none') {
      return { python, path: '', present: false, version: '', missing: 'MEMPROF_CPYTHON=none: no interpreter looked for' };
    }
    const candidates = [...pyenvBuilds(python), onPath(`python${python}`), onPath('python3')].filter((p): p is string => p !== null);
    for (const path of candidates) {
      const version = versionOf(path);
      if (version.startsWith(`${python}.`)) return { python, path, present: true, version, missing: '' };
    }
    const pyenv = join(process.env.PYENV_ROOT ?? '~/.pyenv', 'versions', `${python}.*`, 'bin', `python${python}`);
    return { python, path: '', present: false, version: '', missing: `no CPython ${python} (looked for ${pyenv}, python${python} and python3 on the PATH)` };
  });
  return found;
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

/** memprof's observables for a workload, from its replay (the report's gc, callbacks and alive objects). */
export async function memprofObservables(loaded: LoadedWorkload, python: PythonVersion): Promise<Observables> {
  const { Replay } = await import('../../src/replay/replay.js');
  const replay = new Replay(loaded, { python });
  for (const se of loaded.events) replay.step(se);
  const { report, aliveIds } = replay.finish();
  const sizes: Record<string, number> = {};
  for (const id of [...aliveIds].sort()) {
    const obj = replay.heap.object(id)!;
    if (obj.typeName === 'set' || obj.typeName === 'frozenset') sizes[id] = obj.size;
  }
  return {
    collects: report.gc.passes.filter((p) => p.trigger === 'collect').map((p) => p.result),
    stats: report.gc.stats.map((s) => ({ collections: s.collections, collected: s.collected, uncollectable: s.uncollectable })),
    count: [...report.gc.count],
    log: report.callbacks.map((c) => (c.kind === 'finalizer' ? ['finalizer', c.id] : ['weakref', c.id, c.label ?? ''])),
    garbage: [...report.gc.garbage],
    alive: [...aliveIds].sort(),
    sizes,
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
