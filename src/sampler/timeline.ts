// Memory over time, bounded: samples fall into buckets of a clock width that doubles whenever there
// would be more than `maxPoints` of them. Each bucket keeps its min and max, so the peak survives.
//
// The doubling ends for any finite clock: once the width passes the largest `t`, every sample falls
// in the bucket that starts at 0; should the width overflow to Infinity first (t near 1e308), that
// bucket is still 0 (`bucketStart`), where `floor(t / Infinity) * Infinity` would be NaN, a start no
// bucket equals, and the loop would never end.

/** The start of the bucket of width `width` that holds clock `t` (t ≥ 0). */
export function bucketStart(t: number, width: number): number {
  if (width === Infinity) return 0;
  const n = Math.floor(t / width);
  // A width too small for t's magnitude (t / width overflows): t is its own bucket.
  return Number.isFinite(n) ? n * width : t;
}

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
    /** At least 1 (the CLI asks for 2: a first and a last point). */
    private readonly maxPoints: number,
  ) {
    this.width = interval > 0 ? interval : Number.MIN_VALUE;
    this.maxPoints = maxPoints >= 1 ? Math.floor(maxPoints) : 1;
  }

  /** A sample at clock `t`: memory is `bytes` now and reached `high` (and `low`) since the last one;
   * `rss` is the memory model's figure, when there is one. */
  sample(t: number, bytes: number, low: number, high: number, rss?: number): void {
    const start = bucketStart(t, this.width);
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
        const start = bucketStart(b.t, this.width);
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
