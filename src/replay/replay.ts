// Drives the events of a workload through the heap and the collector and feeds the sampler.
import type { LoadedWorkload } from '../workload/loaded.js';
import type { PythonVersion } from '../workload/schema.js';
import type { Report } from '../report/model.js';

export interface ReplayOptions {
  /** Overrides the workload's `python`. */
  python?: PythonVersion;
  /** Timeline sampling interval in clock units (ms, or events when no event has `t`); default automatic. */
  interval?: number;
  /** Most timeline points kept (min/max bucketing keeps the peak). Default 2000. */
  maxPoints?: number;
}

export interface ReplayOutcome {
  report: Report;
  /** Workload object ids alive at the end, in allocation order (implicit `__dict__`s excluded). */
  aliveIds: string[];
}

export async function replayWorkload(_workload: LoadedWorkload, _options: ReplayOptions = {}): Promise<ReplayOutcome> {
  throw new Error('not implemented yet');
}
