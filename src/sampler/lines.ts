// Per-line statistics as memory_profiler reports them, but exact: every line execution's memory
// before and after, its peak, and the bytes it allocated and freed.
import type { Heap } from '../heap/heap.js';
import type { LineReport } from '../model/report.js';

/** A line's statistics as the report shows them, before the report adds the line's text. */
export type LineStat = Omit<LineReport, 'content'>;

/** One open line execution. The stack holds one per frame: a caller's line stays open while the
 * callee runs, so it includes everything the callee did. */
interface Execution {
  stat: LineStat;
  memBefore: number;
  /** The memory model's RSS when the execution began (0 without a model). */
  rssBefore: number;
  allocatedBefore: number;
  freedBefore: number;
  /** The high-water mark of the enclosing execution, restored (maxed) when this one ends. */
  savedHighWater: number;
}

export class LineSampler {
  /** Stats by file, then line. */
  private readonly stats = new Map<string, Map<number, LineStat>>();
  /** Open executions, one per frame depth (index = frame depth); null where none is open. */
  private readonly open: (Execution | null)[] = [];
  /** Depths at or above this have no open execution (the array keeps its length: shrinking and
   * growing it at every line costs more than the line's own statistics). */
  private openDepths = 0;
  /** One execution record per depth, reused by every line execution at that depth. */
  private readonly records: Execution[] = [];

  constructor(
    private readonly heap: Heap,
    /** Added to the memory model's RSS so it reads like the live bytes (which start at the baseline). */
    private readonly rssBaseline = 0,
  ) {}

  /** An event of the frame at `depth` arrives at (file, line): a new execution begins when the line
   * differs from the frame's open one, or `force` (a `line` event, a new repeat iteration). */
  enter(depth: number, file: string, functionName: string, line: number, force: boolean): void {
    const current = this.open[depth] ?? null;
    if (!force && current !== null && current.stat.line === line && current.stat.file === file) return;
    this.end(depth);
    const heap = this.heap;
    const stat = this.statFor(file, functionName, line);
    stat.occurrences++;
    const execution = (this.records[depth] ??= { stat, memBefore: 0, rssBefore: 0, allocatedBefore: 0, freedBefore: 0, savedHighWater: 0 });
    execution.stat = stat;
    execution.memBefore = heap.liveBytes;
    execution.rssBefore = heap.memory === null ? 0 : heap.memory.rss;
    execution.allocatedBefore = heap.allocatedBytes;
    execution.freedBefore = heap.freedBytes;
    execution.savedHighWater = heap.highWater;
    this.open[depth] = execution;
    if (depth >= this.openDepths) this.openDepths = depth + 1;
    heap.highWater = heap.liveBytes;
  }

  /** Ends the open execution of the frame at `depth` (and of any deeper frame). */
  end(depth: number): void {
    for (let d = this.openDepths - 1; d >= depth; d--) {
      const execution = this.open[d];
      if (execution === undefined || execution === null) continue;
      this.open[d] = null;
      const heap = this.heap;
      const stat = execution.stat;
      const after = heap.liveBytes;
      const peak = Math.max(heap.highWater, after);
      stat.increment += after - execution.memBefore;
      stat.memUsage = Math.max(stat.memUsage, after);
      stat.peak = Math.max(stat.peak, peak);
      stat.allocated += heap.allocatedBytes - execution.allocatedBefore;
      stat.freed += heap.freedBytes - execution.freedBefore;
      if (heap.memory !== null) {
        const rss = heap.memory.rss;
        stat.rss = Math.max(stat.rss ?? 0, this.rssBaseline + rss);
        stat.rssIncrement = (stat.rssIncrement ?? 0) + rss - execution.rssBefore;
      }
      heap.highWater = Math.max(execution.savedHighWater, peak);
    }
    if (depth < this.openDepths) this.openDepths = depth;
  }

  /** Every line that ran, ordered by file then line. */
  results(): LineStat[] {
    const all: LineStat[] = [];
    for (const lines of this.stats.values()) all.push(...lines.values());
    return all.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  }

  private statFor(file: string, functionName: string, line: number): LineStat {
    let lines = this.stats.get(file);
    if (lines === undefined) this.stats.set(file, (lines = new Map()));
    let stat = lines.get(line);
    if (stat === undefined) {
      stat = { file, function: functionName, line, occurrences: 0, memUsage: 0, increment: 0, peak: 0, allocated: 0, freed: 0 };
      lines.set(line, stat);
    }
    return stat;
  }
}
