// Memory over time, bounded: samples fall into buckets of a clock width that doubles whenever there
// would be more than `maxPoints` of them. Each bucket keeps its min and max, so the peak survives.

export interface TimelineBucket {
  /** Clock value at the start of the bucket. */
  t: number;
  /** Memory at the last sample in the bucket. */
  bytes: number;
  min: number;
  max: number;
  /** With a memory model (pymalloc): the highest modelled RSS in the bucket. */
  rss?: number;
}

export class Timeline {
  private readonly buckets: TimelineBucket[] = [];
  private width: number;

  constructor(
    /** Initial bucket width in clock units (ms, or events when no event has `t`). */
    interval: number,
    private readonly maxPoints: number,
  ) {
    this.width = Math.max(interval, Number.MIN_VALUE);
  }

  /** A sample at clock `t`: memory is `bytes` now and reached `high` (and `low`) since the last one;
   * `rss` is the memory model's figure, when there is one. */
  sample(t: number, bytes: number, low: number, high: number, rss?: number): void {
    const start = Math.floor(t / this.width) * this.width;
    const last = this.buckets[this.buckets.length - 1];
    if (last !== undefined && last.t === start) {
      last.bytes = bytes;
      if (low < last.min) last.min = low;
      if (high > last.max) last.max = high;
      if (rss !== undefined && rss > last.rss!) last.rss = rss;
      return;
    }
    const bucket: TimelineBucket = { t: start, bytes, min: Math.min(low, bytes), max: Math.max(high, bytes) };
    if (rss !== undefined) bucket.rss = rss;
    this.buckets.push(bucket);
    if (this.buckets.length > this.maxPoints) this.coarsen();
  }

  points(): TimelineBucket[] {
    return this.buckets.map((b) => ({ ...b }));
  }

  /** Doubles the bucket width and merges the buckets that now share one. */
  private coarsen(): void {
    while (this.buckets.length > this.maxPoints) {
      this.width *= 2;
      const merged: TimelineBucket[] = [];
      for (const b of this.buckets) {
        const start = Math.floor(b.t / this.width) * this.width;
        const last = merged[merged.length - 1];
        if (last !== undefined && last.t === start) {
          last.bytes = b.bytes;
          last.min = Math.min(last.min, b.min);
          last.max = Math.max(last.max, b.max);
          if (b.rss !== undefined) last.rss = Math.max(last.rss!, b.rss);
        } else {
          merged.push({ ...b, t: start });
        }
      }
      this.buckets.length = 0;
      this.buckets.push(...merged);
    }
  }
}
