// Comparing memprof with CPython on one workload, and shrinking a workload that disagrees to the
// fewest events that still disagree.
import { workloadFromObject } from '../../src/workload/load.js';
import { exportPython } from '../../src/export/python.js';
import { memprofObservables, PythonRunError, runScript, type Interpreter, type Observables } from './oracle.js';

export interface Outcome {
  /** Both sides ran; `equal` says whether every observable matched. */
  equal: boolean;
  memprof: Observables;
  cpython: Observables;
}

/** undefined when the workload is not valid for one side (a replay error or a Python error), or
 * when its script must look an object up by address. */
export async function compareWorkload(document: object, interpreter: Interpreter): Promise<Outcome | undefined> {
  let memprof: Observables;
  let cpython: Observables;
  try {
    memprof = await memprofObservables(workloadFromObject(document), interpreter.python);
    const script = await exportPython(workloadFromObject(document), { python: interpreter.python });
    // An object no name reaches (shrinking makes such workloads) may need ctypes, whose argument
    // tuple is a GC allocation the workload did not ask for: not a fair comparison.
    if (script.includes('_mp_obj(')) return undefined;
    cpython = await runScript(interpreter.path, script);
  } catch (err) {
    if (err instanceof PythonRunError || (err as Error).name === 'WorkloadError' || (err as Error).name === 'WorkloadErrors') {
      return undefined;
    }
    throw err;
  }
  return { equal: JSON.stringify(memprof) === JSON.stringify(cpython), memprof, cpython };
}

interface Shrinkable {
  events: Record<string, unknown>[];
}

/**
 * Removes events (chunks, then single events) while memprof and CPython still disagree and the
 * workload stays valid for both; returns the smallest disagreeing workload found and its outcome.
 */
export async function shrink<W extends Shrinkable>(workload: W, interpreter: Interpreter, budget = 400): Promise<{ workload: W; outcome: Outcome }> {
  let best = workload;
  let outcome = (await compareWorkload(best, interpreter))!;
  let tries = 0;
  for (let chunk = Math.max(1, best.events.length >> 1); chunk >= 1 && tries < budget; chunk >>= 1) {
    let changed = true;
    while (changed && tries < budget) {
      changed = false;
      // `keep` (index 0) stays: resurrecting finalizers need it.
      for (let start = 1; start < best.events.length && tries < budget; ) {
        const events = [...best.events.slice(0, start), ...best.events.slice(start + chunk)];
        const candidate = { ...best, events };
        tries++;
        const result = await compareWorkload(candidate, interpreter);
        if (result !== undefined && !result.equal) {
          best = candidate;
          outcome = result;
          changed = true;
        } else {
          start += chunk;
        }
      }
    }
  }
  return { workload: best, outcome };
}

/** `workload`: the workload as JSON, or the file it is in. */
export function describeMismatch(workload: string, outcome: Outcome, python: string): string {
  return [
    `memprof and CPython ${python} disagree; minimal workload:`,
    workload,
    `memprof: ${JSON.stringify(outcome.memprof)}`,
    `CPython: ${JSON.stringify(outcome.cpython)}`,
  ].join('\n');
}
