// Finding the CPython that runs a recorded program: `--python 3.12` is `python3.12` on PATH, else
// the newest 3.12.x among pyenv's versions; `--python /path/to/python` is that file; the default
// is `python3`. What was found is asked for its version (3.11 to 3.13 can be recorded).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../workload/errors.js';

export interface Interpreter {
  /** What to run. */
  path: string;
  /** `3.11.7` */
  version: string;
  /** `3.11` */
  minor: string;
}

const SUPPORTED = ['3.11', '3.12', '3.13'];

/** The version an interpreter reports, or null when it does not run. */
function probe(path: string): { version: string; executable: string } | null {
  const result = spawnSync(path, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3]); print(sys.executable)'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 30_000,
  });
  if (result.status !== 0 || typeof result.stdout !== 'string') return null;
  const [version, executable] = result.stdout.trim().split('\n');
  if (version === undefined || !/^\d+\.\d+\.\d+$/.test(version)) return null;
  return { version, executable: executable ?? path };
}

/** pyenv's builds of `minor` (3.12 → 3.12.1, …; not free-threaded or -dev ones), newest first. */
export function pyenvBuilds(minor: string): string[] {
  const root = process.env.PYENV_ROOT ?? join(homedir(), '.pyenv');
  const versions = join(root, 'versions');
  let names: string[];
  try {
    names = readdirSync(versions);
  } catch {
    return [];
  }
  const patch = (v: string): number => Number(v.slice(minor.length + 1));
  return names
    .filter((v) => v.startsWith(`${minor}.`) && /^\d+$/.test(v.slice(minor.length + 1)))
    .sort((a, b) => patch(b) - patch(a))
    .map((v) => join(versions, v, 'bin', `python${minor}`))
    .filter((p) => existsSync(p));
}

export function findInterpreter(choice: string | undefined): Interpreter {
  const candidates: string[] = [];
  if (choice === undefined) candidates.push('python3');
  else if (/^3\.\d+$/.test(choice)) candidates.push(`python${choice}`, ...pyenvBuilds(choice));
  else candidates.push(choice);
  for (const path of candidates) {
    const found = probe(path);
    if (found === null) continue;
    const minor = found.version.split('.').slice(0, 2).join('.');
    if (!SUPPORTED.includes(minor)) {
      throw new UsageError(`${path} is CPython ${found.version}: memprof records programs on CPython ${SUPPORTED.join(', ')} (choose one with --python)`);
    }
    if (choice !== undefined && /^3\.\d+$/.test(choice) && minor !== choice) continue;
    return { path: found.executable, version: found.version, minor };
  }
  if (choice === undefined) throw new UsageError('no python3 found on PATH: install CPython 3.11-3.13 or name one with --python PATH');
  if (/^3\.\d+$/.test(choice)) {
    if (!SUPPORTED.includes(choice)) throw new UsageError(`--python ${choice}: memprof records programs on CPython ${SUPPORTED.join(', ')}`);
    throw new UsageError(`--python ${choice}: no python${choice} on PATH and none among pyenv's versions; install it or give its path`);
  }
  throw new UsageError(`--python ${choice}: not a Python interpreter that runs (give the path of a CPython 3.11-3.13 executable)`);
}
