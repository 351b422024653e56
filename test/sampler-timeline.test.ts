// The timeline's bucket widening must end for every finite clock, however wide it spans.
import { describe, expect, it } from 'vitest';
import { bucketStart, Timeline } from '../src/sampler/timeline.js';

describe('timeline buckets', () => {
  it('puts every sample in bucket 0 once the width overflows to Infinity', () => {
    expect(bucketStart(1e308, Infinity)).toBe(0);
    expect(bucketStart(5, 2)).toBe(4);
    // t / width overflows: the sample is its own bucket.
    expect(bucketStart(1e308, 1e-300)).toBe(1e308);
  });

  it('keeps one point for samples from t=0 to t=1e308 when only one is allowed', () => {
    const timeline = new Timeline(1, 1);
    timeline.sample(0, 10, 10, 10);
    timeline.sample(1e308, 20, 20, 30);
    expect(timeline.points()).toEqual([{ t: 0, bytes: 20, min: 10, max: 30 }]);
  });

  it('keeps at most two points for samples spread over 0 … 1e308, the peak among them', () => {
    const timeline = new Timeline(1, 2);
    const times = [0, 1, 1e10, 1e100, 1e200, 8e307, 1e308];
    times.forEach((t, k) => timeline.sample(t, k, k, k === 3 ? 99 : k));
    const points = timeline.points();
    expect(points.length).toBeLessThanOrEqual(2);
    expect(Math.max(...points.map((p) => p.max))).toBe(99);
    expect(points[points.length - 1]!.bytes).toBe(6);
  });

  it('widens from the smallest interval and from a NaN one without looping forever', () => {
    for (const interval of [Number.MIN_VALUE, 0, Number.NaN, Infinity]) {
      const timeline = new Timeline(interval, 2);
      for (let t = 0; t < 100; t++) timeline.sample(t * 1e15, t, t, t);
      expect(timeline.points().length).toBeLessThanOrEqual(2);
    }
  });
});
