// The report document (`--format json`, SPEC §7). Every renderer takes this object and only renders;
// `memprof plot report.json` reads it back. Numbers are bytes.

export const REPORT_VERSION = 1;

export interface SourceRef {
  file: string;
  line: number;
}

export interface LineReport {
  file: string;
  /** `<module>` for the module frame. */
  function: string;
  line: number;
  content: string;
  occurrences: number;
  /** Max memory right after any execution of the line. */
  memUsage: number;
  /** Σ (memory after − memory before) over its executions. */
  increment: number;
  /** Max memory from the start to the end of any execution. */
  peak: number;
  allocated: number;
  freed: number;
}

/** A function's table: every source line from `firstLine` to `lastLine` is shown. */
export interface FunctionReport {
  file: string;
  function: string;
  firstLine: number;
  lastLine: number;
}

export interface GcStats {
  collections: number;
  collected: number;
  uncollectable: number;
}

export interface GcPass {
  /** Index (after expansion) of the event during which the pass ran. */
  event: number;
  file: string;
  line: number | null;
  t: number;
  generation: number;
  trigger: 'collect' | 'threshold';
  collected: number;
  uncollectable: number;
  /** What `gc.collect()` returned: collected + uncollectable. */
  result: number;
  /** Size of young at step 1. */
  examined: number;
  /** Objects step 5 moved to the older generation. */
  survivors: number;
  /** Memory right after the pass. */
  bytesAfter: number;
}

export interface CallbackRecord {
  event: number;
  kind: 'finalizer' | 'weakref';
  /** The object finalized, or the weakref whose callback ran. */
  id: string;
  label?: string;
  during: 'refcount' | 'gc';
}

export interface TimelinePoint {
  t: number;
  /** Memory at the end of the bucket. */
  bytes: number;
  min: number;
  max: number;
}

export interface LeakClassTotals {
  objects: number;
  bytes: number;
}

export interface SummaryReport {
  baselineBytes: number;
  peakBytes: number;
  /** Event index at which the peak was first reached (-1 before any event). */
  peakEvent: number;
  peakLine: SourceRef | null;
  peakT: number;
  finalBytes: number;
  allocatedBytes: number;
  freedBytes: number;
  objectsAllocated: number;
  objectsFreed: number;
  objectsLive: number;
}

export interface Report {
  tool: 'memprof';
  version: string;
  reportVersion: typeof REPORT_VERSION;
  workload: {
    name: string;
    file: string;
    python: string;
    events: number;
    memoryModel: 'live' | 'pymalloc';
  };
  summary: SummaryReport;
  /** Source text of the traced program, per file (lines[k] is line k+1). */
  sources: { file: string; lines: string[] }[];
  functions: FunctionReport[];
  lines: LineReport[];
  gc: {
    threshold: [number, number, number];
    count: [number, number, number];
    enabled: boolean;
    stats: [GcStats, GcStats, GcStats];
    passes: GcPass[];
    garbage: string[];
  };
  callbacks: CallbackRecord[];
  leaks?: {
    reachable: LeakClassTotals;
    frozen: LeakClassTotals;
    uncollectable: LeakClassTotals;
    external: LeakClassTotals;
    cyclic: LeakClassTotals & { cycles: unknown[] };
    gcFreedBySite: unknown[];
  };
  timeline: TimelinePoint[];
  snapshots: unknown[];
  limits: { violations: { limit: string; value: number; max: number }[] };
}
