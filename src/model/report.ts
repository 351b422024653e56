// The report document: what a replay observed, as `memprof run --format json` writes it and every
// renderer reads it. The zod schemas are its one definition: TypeScript types come from z.infer,
// `memprof schema --report` prints their JSON Schema, and `memprof plot report.json` validates a
// saved report with them before drawing it. Numbers are bytes and counts (docs/reports.md).
import { z } from 'zod';

export const REPORT_VERSION = 1;

const count = z.number().int().nonnegative();
/** Bytes: whole, never above 2^53 − 1, so that every sum stays exact. */
const bytes = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A change in bytes (an increment may be negative). */
const byteChange = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const clock = z.number().nonnegative().finite();
const line = z.number().int().positive();

export const sourceRefSchema = z.object({ file: z.string(), line });

export const lineReportSchema = z.object({
  file: z.string(),
  function: z.string().describe('`<module>` for the module frame'),
  line,
  content: z.string().describe('the source text of the line'),
  occurrences: count.describe('executions of the line'),
  memUsage: bytes.describe('the highest memory right after any execution of the line'),
  increment: byteChange.describe('Σ (memory after − memory before) over its executions'),
  peak: bytes.describe('the highest memory from the start to the end of any execution'),
  allocated: bytes.describe('bytes allocated during its executions'),
  freed: bytes.describe('bytes freed during its executions'),
  rss: bytes.optional().describe('--memory-model pymalloc: the highest modelled RSS right after any execution'),
  rssIncrement: byteChange.optional().describe('--memory-model pymalloc: Σ (modelled RSS after − before) over its executions, what memory_profiler\'s Increment measures'),
});

export const functionReportSchema = z.object({
  file: z.string(),
  function: z.string(),
  firstLine: line,
  lastLine: line,
});

export const gcStatsSchema = z.object({ collections: count, collected: count, uncollectable: count });

export const gcPassSchema = z.object({
  event: z.number().int().min(-1).describe('index (after expansion) of the event during which the pass ran'),
  file: z.string(),
  line: line.nullable(),
  t: clock,
  generation: z.number().int().min(0).max(2),
  trigger: z.enum(['collect', 'threshold']).describe('gc.collect(), or an allocation that crossed threshold 0'),
  collected: count,
  uncollectable: count,
  result: count.describe('what gc.collect() returned: collected + uncollectable'),
  examined: count.describe('objects in the collected generations when the pass started'),
  survivors: count.describe('objects moved to the next generation'),
  bytesAfter: bytes.describe('memory right after the pass'),
});

export const callbackRecordSchema = z.object({
  event: z.number().int().min(-1),
  kind: z.enum(['finalizer', 'weakref']),
  id: z.string().describe('the object finalized, or the weakref whose callback ran'),
  label: z.string().optional().describe("the weakref's callback label"),
  during: z.enum(['refcount', 'gc']),
});

export const timelinePointSchema = z.object({
  t: clock,
  bytes: bytes.describe('memory at the end of the bucket'),
  min: bytes,
  max: bytes,
  rss: bytes.optional().describe('--memory-model pymalloc: the highest modelled RSS in the bucket'),
});

export const leakClassTotalsSchema = z.object({
  objects: count.describe('workload objects (implicit `__dict__`s are not counted)'),
  bytes: bytes.describe('their bytes, implicit `__dict__`s included'),
});

export const LEAK_CLASSES = ['reachable', 'frozen', 'uncollectable', 'external', 'cyclic'] as const;
export const leakClassNameSchema = z.enum(LEAK_CLASSES);

export const typeCountSchema = z.object({ type: z.string(), objects: count, bytes });

export const siteCountSchema = z.object({ file: z.string(), line: z.number().int().nonnegative(), content: z.string(), objects: count, bytes });

export const leakSiteSchema = siteCountSchema.extend({ types: z.array(typeCountSchema).describe('by bytes, largest first') });

export const reachableSiteSchema = leakSiteSchema.extend({
  retention: z.string().describe('a shortest path from a root name: `cache → .entries[3] → Node@cache.py:12`'),
});

export const cycleStepSchema = z.object({
  id: z.string().describe('the object at this step in the first cycle of the shape'),
  type: z.string(),
  file: z.string(),
  line: z.number().int().nonnegative(),
  via: z.string().describe("the reference that leaves the object: `.next`, `['key']`, `[3]`; `[…]` when the cycles of the shape differ in the key or index"),
});

export const cycleExampleSchema = z.object({
  firstEvent: z.number().int().min(-1).describe('the event that allocated its first object'),
  ids: z.array(z.string()).describe('its objects, in allocation order (at most 50)'),
});

export const cycleShapeSchema = z.object({
  cycles: count.describe('leaked cycles of this shape'),
  objects: count.describe('workload objects in each of them'),
  bytes: bytes.describe('the bytes of all of them'),
  minBytes: bytes.describe('the bytes of the smallest one'),
  maxBytes: bytes.describe('the bytes of the largest one'),
  firstEvent: z.number().int().min(-1).describe('the event that allocated the first object of the first one'),
  types: z.array(typeCountSchema).describe('their objects by type, over all of them, by bytes'),
  lines: z.array(leakSiteSchema).describe('their allocating lines with the types allocated there, over all of them, by bytes'),
  path: z.string().nullable().describe('the cycle: `Node@cache.py:12 .next → Node@cache.py:13 .prev → back`; null when the group holds no cycle of its own'),
  pathLength: count.describe('objects on the cycle; `steps` keeps the first 4 and the last 3'),
  steps: z.array(cycleStepSchema).describe('the cycle from its canonical start, the same whichever object it is found from'),
  examples: z.array(cycleExampleSchema).describe('the first cycles of the shape, in allocation order (at most 3)'),
});

export const gcFreedSiteSchema = leakSiteSchema.extend({
  passes: z.array(count).describe('indices into gc.passes of the collections that freed them'),
});

export const leaksReportSchema = z.object({
  reachable: leakClassTotalsSchema.extend({ sites: z.array(reachableSiteSchema) }),
  frozen: leakClassTotalsSchema.extend({ sites: z.array(leakSiteSchema) }),
  uncollectable: leakClassTotalsSchema.extend({ sites: z.array(leakSiteSchema) }),
  external: leakClassTotalsSchema.extend({ sites: z.array(leakSiteSchema) }),
  cyclic: leakClassTotalsSchema.extend({
    sites: z.array(leakSiteSchema),
    cycles: count.describe('leaked cycles: strongly connected components of cyclic objects, each with what it alone holds'),
    shapes: z
      .array(cycleShapeSchema)
      .describe('the leaked cycles grouped by shape — the same objects per type and allocating line, the same cycle of types and references — largest first'),
  }),
  gcFreedBySite: z.array(gcFreedSiteSchema).describe('objects the cyclic collector freed, by allocating line'),
});

const snapshotStat = { bytes, objects: count, bytesDiff: byteChange, objectsDiff: z.number().int() };

export const snapshotLineStatSchema = z.object({ file: z.string(), line: z.number().int().nonnegative(), content: z.string(), ...snapshotStat });
export const snapshotTypeStatSchema = z.object({ type: z.string(), ...snapshotStat });
export const snapshotStatSchema = z.object(snapshotStat);

export const snapshotReportSchema = z.object({
  label: z.string(),
  event: z.number().int().min(-1),
  t: clock,
  file: z.string(),
  line: line.nullable(),
  memoryBytes: bytes.describe('the memory figure at the snapshot (baseline included)'),
  objects: count,
  bytes,
  classes: z.object({ reachable: leakClassTotalsSchema, frozen: leakClassTotalsSchema, uncollectable: leakClassTotalsSchema, external: leakClassTotalsSchema, cyclic: leakClassTotalsSchema }),
  cycles: count,
  byLine: z.array(snapshotLineStatSchema).describe("tracemalloc's compare_to order: largest |size change| first"),
  byType: z.array(snapshotTypeStatSchema),
});

export const LIMIT_NAMES = ['leakedObjects', 'leakedBytes', 'cycles', 'uncollectable', 'peakBytes', 'finalBytes'] as const;
export const limitNameSchema = z.enum(LIMIT_NAMES);

export const LIMIT_SOURCES = ['default', 'workload', 'flag'] as const;
export const limitSourceSchema = z.enum(LIMIT_SOURCES).describe('where the limit came from: the default (leakedObjects 0), the workload\'s `limits`, or a flag');
export type LimitSource = z.infer<typeof limitSourceSchema>;

export const limitViolationSchema = z.object({ limit: limitNameSchema, value: z.number().int().nonnegative(), max: z.number().int().nonnegative() });

export const summaryReportSchema = z.object({
  baselineBytes: bytes,
  peakBytes: bytes,
  peakEvent: z.number().int().min(-1).describe('the event at which the peak was first reached (-1 before any event)'),
  peakLine: sourceRefSchema.nullable(),
  peakT: clock,
  endT: clock.optional().describe('the clock at the last event: where the time axis ends'),
  finalBytes: bytes,
  allocatedBytes: bytes,
  freedBytes: bytes,
  objectsAllocated: count,
  objectsFreed: count,
  objectsLive: count,
});

export const memoryModelReportSchema = z.object({
  model: z.literal('pymalloc'),
  peakRss: bytes.describe("modelled RSS (baseline included): resident pools of live arenas, plus the C library malloc's resident heap and mmapped chunks for blocks over 512 bytes"),
  finalRss: bytes.describe('modelled RSS at the end'),
  arenasAllocatedTotal: count.describe('pymalloc arenas mapped in all'),
  arenasReclaimed: count.describe('pymalloc arenas returned to the OS'),
  arenasHighwater: count.describe('the most pymalloc arenas in use at once'),
  arenasInUse: count.describe('pymalloc arenas in use at the end'),
  malloc: z
    .object({
      heapBytes: bytes.describe("the malloc heap's size at the end (brk): freed chunks in it stay resident"),
      mmappedBytes: bytes.describe('bytes of chunks mmapped on their own, in use at the end'),
      mmapThreshold: bytes.describe('M_MMAP_THRESHOLD at the end: 128 KiB, raised to the size of each larger mmapped chunk freed (up to 32 MiB)'),
      trims: count.describe('times free() shrank the heap (its free top exceeded the trim threshold)'),
      unmaps: count.describe('mmapped chunks freed, each returned to the OS at once'),
    })
    .optional()
    .describe('glibc malloc, which serves the blocks over 512 bytes'),
});

const generationTriple = z.tuple([count, count, count]);

const whereSchema = { event: z.number().int().min(-1), file: z.string(), line: line.nullable() };
const passFigures = z.object({ generation: z.number().int().min(0).max(2), collected: count, uncollectable: count });
const census = z.object({ objects: count, bytes });

/** A recorded trace (`memprof record`): every figure the real run observed beside the model's. */
export const recordedComparisonSchema = z.object({
  interpreter: z.string().describe('the interpreter that ran the program'),
  script: z.string(),
  exitCode: z.number().int(),
  figures: count.describe('figures compared'),
  equal: count.describe('of which the model agrees with the real run'),
  collects: z
    .array(z.object({ ...whereSchema, real: count, model: count, equal: z.boolean() }))
    .describe('each gc.collect(): what it returned in the real run and in the replay'),
  automatic: z
    .array(
      z.object({
        ...whereSchema,
        count: generationTriple.describe('gc.get_count() in the real run as the collection started'),
        real: passFigures.nullable(),
        model: passFigures.nullable().describe('the pass the model ran at these counts; null when its rule picked none'),
        equal: z.boolean(),
      }),
    )
    .describe('each automatic collection of the real run'),
  hiddenAllocations: count.describe('allocations the trace could not see, from the counts the real run reported'),
  census: z
    .object({
      real: census,
      model: census,
      equal: z.boolean(),
      byType: z.array(z.object({ type: z.string(), real: census, model: census, equal: z.boolean() })),
    })
    .nullable()
    .describe('the traced objects alive at the end, by type'),
  count: z.object({ real: generationTriple, model: generationTriple, equal: z.boolean() }).nullable().describe('gc.get_count() at the end; equal when generations 1 and 2 agree (generation 0 also counts allocations the trace cannot see)'),
  stats: z
    .object({ real: z.array(gcStatsSchema), model: z.array(gcStatsSchema), equal: z.boolean() })
    .nullable()
    .describe('gc.get_stats() since the start'),
  notes: z.array(z.string()),
});
export type RecordedComparison = z.infer<typeof recordedComparisonSchema>;

export const reportSchema = z
  .object({
    tool: z.literal('memprof'),
    version: z.string(),
    reportVersion: z.literal(REPORT_VERSION),
    workload: z.object({
      name: z.string(),
      file: z.string(),
      python: z.string(),
      events: count,
      memoryModel: z.enum(['live', 'pymalloc']),
    }),
    summary: summaryReportSchema,
    memory: memoryModelReportSchema.optional(),
    sources: z.array(z.object({ file: z.string(), lines: z.array(z.string()) })).default([]).describe('the traced source text per file (lines[k] is line k+1)'),
    functions: z.array(functionReportSchema),
    lines: z.array(lineReportSchema),
    gc: z.object({
      threshold: generationTriple,
      count: generationTriple.describe('gc.get_count() at the end'),
      enabled: z.boolean(),
      stats: z.tuple([gcStatsSchema, gcStatsSchema, gcStatsSchema]).describe('gc.get_stats() since the trace started'),
      passes: z.array(gcPassSchema),
      garbage: z.array(z.string()).describe('gc.garbage by id (an implicit `__dict__` is `<id>.__dict__`)'),
    }),
    callbacks: z.array(callbackRecordSchema).describe('finalizers and weakref callbacks in the order they ran'),
    leaks: leaksReportSchema.optional().describe('every live workload object at the end in exactly one class'),
    timeline: z.array(timelinePointSchema),
    snapshots: z.array(snapshotReportSchema),
    limits: z.object({ violations: z.array(limitViolationSchema) }).describe('the limits memprof check applies without flags (the default leakedObjects 0, then the workload\'s `limits`) that the figures exceed'),
    recorded: recordedComparisonSchema.optional().describe('a trace recorded by memprof record: the real run beside the model'),
  })
  .meta({ id: 'memprof-report', description: 'the report of one replay (memprof run --format json)' });

export type SourceRef = z.infer<typeof sourceRefSchema>;
export type LineReport = z.infer<typeof lineReportSchema>;
export type FunctionReport = z.infer<typeof functionReportSchema>;
export type GcStats = z.infer<typeof gcStatsSchema>;
export type GcPass = z.infer<typeof gcPassSchema>;
export type CallbackRecord = z.infer<typeof callbackRecordSchema>;
export type TimelinePoint = z.infer<typeof timelinePointSchema>;
export type LeakClassTotals = z.infer<typeof leakClassTotalsSchema>;
export type LeakClassName = z.infer<typeof leakClassNameSchema>;
export type TypeCount = z.infer<typeof typeCountSchema>;
export type SiteCount = z.infer<typeof siteCountSchema>;
export type LeakSite = z.infer<typeof leakSiteSchema>;
export type ReachableSite = z.infer<typeof reachableSiteSchema>;
export type CycleStep = z.infer<typeof cycleStepSchema>;
export type CycleExample = z.infer<typeof cycleExampleSchema>;
export type CycleShape = z.infer<typeof cycleShapeSchema>;
export type GcFreedSite = z.infer<typeof gcFreedSiteSchema>;
export type LeaksReport = z.infer<typeof leaksReportSchema>;
export type SnapshotStat = z.infer<typeof snapshotStatSchema>;
export type SnapshotLineStat = z.infer<typeof snapshotLineStatSchema>;
export type SnapshotTypeStat = z.infer<typeof snapshotTypeStatSchema>;
export type SnapshotReport = z.infer<typeof snapshotReportSchema>;
export type LimitName = z.infer<typeof limitNameSchema>;
export type LimitViolation = z.infer<typeof limitViolationSchema>;
export type SummaryReport = z.infer<typeof summaryReportSchema>;
export type MemoryModelReport = z.infer<typeof memoryModelReportSchema>;
export type Report = z.infer<typeof reportSchema>;

// ---------------------------------------------------------------------------------------------
// memprof check

export const checkStatusSchema = z.enum(['pass', 'fail', 'invalid', 'error']);
export type CheckStatus = z.infer<typeof checkStatusSchema>;

const limitValues = z.object(Object.fromEntries(LIMIT_NAMES.map((n) => [n, z.number().int().nonnegative().optional()])) as Record<(typeof LIMIT_NAMES)[number], z.ZodOptional<z.ZodNumber>>);

export const checkResultSchema = z.object({
  file: z.string().describe('the workload file as named on the command line (or found by a glob)'),
  name: z.string().describe("the workload's `name`, else its file"),
  status: checkStatusSchema,
  figures: z.object(Object.fromEntries(LIMIT_NAMES.map((n) => [n, z.number().int().nonnegative()])) as Record<(typeof LIMIT_NAMES)[number], z.ZodNumber>).nullable().describe('the figures limits apply to; null when the workload could not be replayed'),
  limits: limitValues.describe('the limits applied: the default, then the workload\'s `limits`, then the flags, key by key'),
  limitSources: z
    .object(Object.fromEntries(LIMIT_NAMES.map((n) => [n, limitSourceSchema.optional()])) as Record<(typeof LIMIT_NAMES)[number], z.ZodOptional<typeof limitSourceSchema>>)
    .describe('for each limit applied, where it came from'),
  violations: z.array(limitViolationSchema),
  peakLine: sourceRefSchema.nullable(),
  leaks: leaksReportSchema.nullable(),
  problems: z.array(z.string()).describe('why the workload is invalid (one line per problem), or the internal error'),
});

export const checkReportSchema = z
  .object({
    tool: z.literal('memprof'),
    version: z.string(),
    checkVersion: z.literal(1),
    exitCode: z.number().int().min(0).max(3),
    summary: z.object({ workloads: count, passed: count, failed: count, invalid: count, errors: count }),
    results: z.array(checkResultSchema).describe('in the order the files were named'),
  })
  .meta({ id: 'memprof-check', description: 'the results of memprof check --format json' });

export type CheckResult = z.infer<typeof checkResultSchema>;
export type CheckReport = z.infer<typeof checkReportSchema>;
