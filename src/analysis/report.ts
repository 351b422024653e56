// Turns what a replay observed into the report document (docs/reports.md). Renderers only render this.
import { createRequire } from 'node:module';
import type { LoadedWorkload } from '../workload/loaded.js';
import type { PythonVersion } from '../workload/schema.js';
import type { Heap } from '../heap/heap.js';
import type { Collector } from '../gc/collector.js';
import type { LineStat } from '../sampler/lines.js';
import type { TimelineBucket } from '../sampler/timeline.js';
import { REPORT_VERSION, type FunctionReport, type GcStats, type Report } from '../model/report.js';
import { classifyHeap } from './classify.js';
import { buildLeaksReport } from './leakReport.js';
import { combineLimits, evaluateLimits, limitFigures, workloadLimits } from './limits.js';
import type { SiteTallies } from './sites.js';
import { compareSnapshots, type Snapshot } from './snapshots.js';

const packageVersion = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export interface Observations {
  workload: LoadedWorkload;
  python: PythonVersion;
  sourceFile: string;
  sourceLines: string[];
  events: number;
  heap: Heap;
  gc: Collector;
  lines: LineStat[];
  timeline: TimelineBucket[];
  passLocations: { file: string; line: number | null; t: number }[];
  snapshots: Snapshot[];
  /** Objects the cyclic collector freed, tallied by allocating line as the replay went. */
  gcFreed: SiteTallies;
}

export function buildReport(o: Observations): Report {
  const { heap, gc } = o;
  const header = o.workload.header;
  const lineText = (file: string, line: number): string => (file === o.sourceFile ? (o.sourceLines[line - 1] ?? '') : '');
  const report: Report = {
    tool: 'memprof',
    version: packageVersion,
    reportVersion: REPORT_VERSION,
    workload: {
      name: header.name ?? o.workload.file,
      file: o.workload.file,
      python: o.python,
      events: o.events,
      memoryModel: 'live',
    },
    summary: {
      baselineBytes: heap.liveBytes - liveObjectBytes(heap),
      peakBytes: heap.peakBytes,
      peakEvent: heap.peakEvent,
      peakLine: heap.peakLine === null ? null : { file: heap.peakFile, line: heap.peakLine },
      peakT: heap.peakClock,
      endT: heap.clock,
      finalBytes: heap.liveBytes,
      allocatedBytes: heap.allocatedBytes,
      freedBytes: heap.freedBytes,
      objectsAllocated: heap.objectsAllocated,
      objectsFreed: heap.objectsFreed,
      objectsLive: heap.objectsAllocated - heap.objectsFreed,
    },
    sources: o.sourceLines.length > 0 ? [{ file: o.sourceFile, lines: o.sourceLines }] : [],
    functions: profiledOnly(functionRanges(o.lines, o.sourceFile, o.sourceLines), header.recorded?.profiled ?? []),
    lines: o.lines.map((s) => ({ ...s, content: lineText(s.file, s.line) })),
    gc: {
      threshold: [...gc.threshold],
      count: [...gc.count],
      enabled: gc.enabled,
      stats: gc.stats.map((s): GcStats => ({ ...s })) as Report['gc']['stats'],
      passes: gc.passes.map((p, i) => {
        const where = o.passLocations[i]!;
        return { ...p, file: where.file, line: where.line, t: where.t };
      }),
      garbage: heap.garbage.map((obj) => obj.id),
    },
    callbacks: heap.callbacks.map((c) => ({ ...c })),
    leaks: buildLeaksReport(classifyHeap(heap, gc), lineText, o.gcFreed),
    timeline: o.timeline,
    snapshots: compareSnapshots(o.snapshots, lineText),
    limits: { violations: [] },
  };
  // The limits `memprof check` applies without flags: the default, then the workload's own.
  report.limits.violations = evaluateLimits(limitFigures(report), combineLimits(workloadLimits(header.limits)).limits);
  return report;
}

function liveObjectBytes(heap: Heap): number {
  let bytes = 0;
  for (const obj of heap.objects) if (obj !== null) bytes += obj.size;
  return bytes;
}

/** Each function's table spans the lines it ran, widened up to its `def` line when the source has it. */
function functionRanges(lines: LineStat[], sourceFile: string, sourceLines: string[]): FunctionReport[] {
  const ranges = new Map<string, FunctionReport>();
  for (const s of lines) {
    const key = `${s.file}\u0000${s.function}`;
    const r = ranges.get(key);
    if (r === undefined) ranges.set(key, { file: s.file, function: s.function, firstLine: s.line, lastLine: s.line });
    else {
      r.firstLine = Math.min(r.firstLine, s.line);
      r.lastLine = Math.max(r.lastLine, s.line);
    }
  }
  for (const r of ranges.values()) {
    if (r.file !== sourceFile || r.function === '<module>') continue;
    // A method is named by its qualified name (`Node.__init__`); its `def` line by its own name.
    const name = r.function.slice(r.function.lastIndexOf('.') + 1);
    const def = new RegExp(`^\\s*(async\\s+)?def\\s+${escapeRegExp(name)}\\s*\\(`);
    for (let line = r.firstLine; line >= 1; line--) {
      if (def.test(sourceLines[line - 1] ?? '')) {
        r.firstLine = line;
        break;
      }
    }
  }
  return [...ranges.values()];
}

/** With functions decorated by @profile, only those are tabulated (memory_profiler's rule). */
function profiledOnly(functions: FunctionReport[], profiled: readonly { file: string; function: string }[]): FunctionReport[] {
  if (profiled.length === 0) return functions;
  return functions.filter((f) => profiled.some((p) => p.file === f.file && p.function === f.function));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
