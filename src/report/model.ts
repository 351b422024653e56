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
  /** `--memory-model pymalloc`: max modelled RSS (baseline included) right after any execution. */
  rss?: number;
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
  /** `--memory-model pymalloc`: the highest modelled RSS (baseline included) in the bucket. */
  rss?: number;
}

export interface LeakClassTotals {
  /** Workload objects (implicit `__dict__`s are not counted)… */
  objects: number;
  /** …and their bytes, implicit `__dict__`s included: the memory the class holds. */
  bytes: number;
}

export const LEAK_CLASSES = ['reachable', 'frozen', 'uncollectable', 'external', 'cyclic'] as const;
export type LeakClassName = (typeof LEAK_CLASSES)[number];

export interface TypeCount {
  type: string;
  objects: number;
  bytes: number;
}

/** Objects grouped by the line that allocated them. */
export interface SiteCount {
  file: string;
  line: number;
  content: string;
  objects: number;
  bytes: number;
}

export interface LeakSite extends SiteCount {
  /** By bytes, largest first. */
  types: TypeCount[];
}

export interface ReachableSite extends LeakSite {
  /** The shortest retention path to this line's objects from a root name: `cache → .entries[3] → Node@cache.py:12`. */
  retention: string;
}

/** One object of a cycle path and the reference it is left by. */
export interface CycleStep {
  id: string;
  type: string;
  file: string;
  line: number;
  /** `.next`, `['key']`, `[3]`. */
  via: string;
}

/** A strongly connected component of `cyclic` objects plus what it alone holds (SPEC §6). */
export interface LeakedCycle {
  objects: number;
  bytes: number;
  /** Event that allocated its first object. */
  firstEvent: number;
  /** Its first objects' ids, in allocation order (at most MAX_CYCLE_IDS). */
  ids: string[];
  types: TypeCount[];
  /** The allocating lines, by bytes. */
  lines: SiteCount[];
  /** `Node@cache.py:12 .next → Node@cache.py:13 .prev → back`; null when no cycle holds it. */
  path: string | null;
  /** Objects on the example cycle; `steps` keeps the first 4 and the last 3 of a longer one. */
  pathLength: number;
  steps: CycleStep[];
}

export interface GcFreedSite extends LeakSite {
  /** Indices into gc.passes of the collections that freed them. */
  passes: number[];
}

export interface LeaksReport {
  reachable: LeakClassTotals & { sites: ReachableSite[] };
  frozen: LeakClassTotals & { sites: LeakSite[] };
  uncollectable: LeakClassTotals & { sites: LeakSite[] };
  external: LeakClassTotals & { sites: LeakSite[] };
  cyclic: LeakClassTotals & { sites: LeakSite[]; cycles: LeakedCycle[] };
  /** Objects freed by the cyclic collector rather than by refcounting, by allocating line. */
  gcFreedBySite: GcFreedSite[];
}

/** One line or type of a snapshot and its change since the previous snapshot (tracemalloc's StatisticDiff). */
export interface SnapshotStat {
  bytes: number;
  objects: number;
  bytesDiff: number;
  objectsDiff: number;
}

export interface SnapshotLineStat extends SnapshotStat {
  file: string;
  line: number;
  content: string;
}

export interface SnapshotTypeStat extends SnapshotStat {
  type: string;
}

export interface SnapshotReport {
  label: string;
  event: number;
  t: number;
  file: string;
  line: number | null;
  /** The memory figure at the snapshot (baseline included). */
  memoryBytes: number;
  /** Live workload objects and the bytes of all live objects (baseline excluded). */
  objects: number;
  bytes: number;
  classes: Record<LeakClassName, LeakClassTotals>;
  cycles: number;
  /** In tracemalloc's compare_to order: largest |size change| first. */
  byLine: SnapshotLineStat[];
  byType: SnapshotTypeStat[];
}

export const LIMIT_NAMES = ['leakedObjects', 'leakedBytes', 'cycles', 'uncollectable', 'peakBytes', 'finalBytes'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

export interface LimitViolation {
  limit: LimitName;
  value: number;
  max: number;
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

/** What CPython's small-object allocator holds: RSS that `del` does not give back. */
export interface MemoryModelReport {
  model: 'pymalloc';
  /** Modelled RSS (baseline included): resident pools of live arenas plus blocks over 512 bytes. */
  peakRss: number;
  finalRss: number;
  /** `sys._debugmallocstats()`'s arena counters at the end. */
  arenasAllocatedTotal: number;
  arenasReclaimed: number;
  arenasHighwater: number;
  arenasInUse: number;
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
  /** `--memory-model pymalloc` (SPEC §5.3): the allocator's figures beside the live bytes. */
  memory?: MemoryModelReport;
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
  /** Every live workload object at the end in exactly one class (SPEC §6). */
  leaks?: LeaksReport;
  timeline: TimelinePoint[];
  snapshots: SnapshotReport[];
  limits: { violations: LimitViolation[] };
}

/** `memprof check`: what became of one workload. */
export type CheckStatus = 'pass' | 'fail' | 'invalid' | 'error';

export interface CheckResult {
  /** The workload file as named on the command line (or found by a glob). */
  file: string;
  /** The workload's `name`, else its file. */
  name: string;
  status: CheckStatus;
  /** The figures limits apply to; null when the workload could not be replayed. */
  figures: Record<LimitName, number> | null;
  /** The limits applied: the workload's, overridden by flags. */
  limits: Partial<Record<LimitName, number>>;
  violations: LimitViolation[];
  /** Where the peak was first reached. */
  peakLine: SourceRef | null;
  leaks: LeaksReport | null;
  /** Why the workload is invalid (one line per problem), or the internal error. */
  problems: string[];
}

export interface CheckReport {
  tool: 'memprof';
  version: string;
  checkVersion: 1;
  exitCode: number;
  summary: { workloads: number; passed: number; failed: number; invalid: number; errors: number };
  /** In the order the files were named. */
  results: CheckResult[];
}
