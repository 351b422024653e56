// What the loader hands to replay: a validated header and the events after `repeat` expansion.
import type { PlainEvent, WorkloadHeader } from './schema.js';

/** One event as replay sees it: `repeat` already expanded, `{var}` already substituted. */
export interface SourcedEvent {
  event: PlainEvent;
  /** Index after expansion, 0-based. */
  index: number;
  /** JSON path of the event in the file, e.g. `events[2].body[1]` (NDJSON: `line 14`). */
  path: string;
  /** Iterations of the enclosing repeats, outermost first. Empty outside repeats. */
  iterations: { var: string; index: number; oneExecution?: true }[];
}

export interface LoadedWorkload {
  /** The file as the user named it (`<inline>` for workloads built in memory). */
  file: string;
  header: WorkloadHeader;
  /** The events in order; may be iterated once. NDJSON files stream them (read synchronously,
   * a chunk at a time: see lines.ts). */
  events: Iterable<SourcedEvent>;
  /** The number of events after expansion, when known before the replay (a `.json` document, whose
   * repeats are counted without expanding them); NDJSON traces are estimated by the progress display. */
  expectedEvents?: number;
}
