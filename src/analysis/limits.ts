// CI limits (README, "Limits"): the default (no leaked object), the workload's `limits` block and
// `memprof check` flags, combined key by key; a figure above its limit is a violation.
import { parseSize, type Limits } from '../workload/schema.js';
import { LIMIT_NAMES, type LimitName, type LimitSource, type LimitViolation, type Report } from '../model/report.js';
import { leakedTotals } from './classify.js';

/** The figures limits apply to (bytes include the baseline, as every memory figure does). */
export type LimitFigures = Record<LimitName, number>;

/** Limits in bytes or counts; an absent key is no limit. */
export type LimitValues = Partial<Record<LimitName, number>>;

export const LIMIT_LABELS: Record<LimitName, string> = {
  leakedBytes: 'leaked bytes',
  leakedObjects: 'leaked objects',
  cycles: 'leaked cycles',
  uncollectable: 'uncollectable objects',
  peakBytes: 'peak',
  finalBytes: 'final',
};

export function limitFigures(report: Report): LimitFigures {
  const leaks = report.leaks;
  const leaked = leaks ? leakedTotals(leaks) : { objects: 0, bytes: 0 };
  return {
    leakedBytes: leaked.bytes,
    leakedObjects: leaked.objects,
    cycles: leaks ? leaks.cyclic.cycles : 0,
    uncollectable: leaks ? leaks.uncollectable.objects : 0,
    peakBytes: report.summary.peakBytes,
    finalBytes: report.summary.finalBytes,
  };
}

/**
 * Limits as a source gives them: a number, or `null` for "no limit on this figure" (which lifts the
 * default too); an absent key says nothing.
 */
export type LimitSettings = Partial<Record<LimitName, number | null>>;

/** A workload's `limits` block in bytes and counts (`null` kept: it lifts a limit). */
export function workloadLimits(limits: Limits | undefined): LimitSettings {
  const values: LimitSettings = {};
  if (limits === undefined) return values;
  for (const name of LIMIT_NAMES) {
    const v = limits[name];
    if (v !== undefined) values[name] = v === null ? null : parseSize(v);
  }
  return values;
}

/** A leak gate fails on any leak unless told otherwise: no object may leak unless a limit says so. */
export const DEFAULT_LIMITS: LimitSettings = { leakedObjects: 0 };

/** The limits that apply, and where each one came from. */
export interface AppliedLimits {
  limits: LimitValues;
  sources: Partial<Record<LimitName, LimitSource>>;
}

/**
 * Key by key, the last that names a key wins: the default (`leakedObjects: 0`), then the workload's
 * `limits`, then the flags. Each source overrides only the keys it names; `null` removes the limit.
 */
export function combineLimits(workload: LimitSettings, flags: LimitSettings = {}): AppliedLimits {
  const applied: AppliedLimits = { limits: {}, sources: {} };
  const layers: [LimitSource, LimitSettings][] = [
    ['default', DEFAULT_LIMITS],
    ['workload', workload],
    ['flag', flags],
  ];
  for (const name of LIMIT_NAMES) {
    for (const [source, settings] of layers) {
      const value = settings[name];
      if (value === undefined) continue;
      if (value === null) {
        delete applied.limits[name];
        delete applied.sources[name];
      } else {
        applied.limits[name] = value;
        applied.sources[name] = source;
      }
    }
  }
  return applied;
}

/** The violated limits, in LIMIT_NAMES order. */
export function evaluateLimits(figures: LimitFigures, limits: LimitValues): LimitViolation[] {
  const violations: LimitViolation[] = [];
  for (const limit of LIMIT_NAMES) {
    const max = limits[limit];
    if (max !== undefined && figures[limit] > max) violations.push({ limit, value: figures[limit], max });
  }
  return violations;
}
