// CI limits (docs/ci.md): a workload's `limits` block, overridden key by key by `memprof check`
// flags; a figure above its limit is a violation.
import { parseSize, type Limits } from '../workload/schema.js';
import { LIMIT_NAMES, type LimitName, type LimitViolation, type Report } from '../model/report.js';
import { leakedTotals } from './classify.js';

/** The figures limits apply to (bytes include the baseline, as every memory figure does). */
export type LimitFigures = Record<LimitName, number>;

/** Limits in bytes or counts; an absent key is no limit. */
export type LimitValues = Partial<Record<LimitName, number>>;

/** What each limit is called on the command line and in messages. */
export const LIMIT_FLAGS: Record<LimitName, string> = {
  leakedBytes: 'max-leaked-bytes',
  leakedObjects: 'max-leaked-objects',
  cycles: 'max-cycles',
  uncollectable: 'max-uncollectable',
  peakBytes: 'max-peak',
  finalBytes: 'max-final',
};

export const LIMIT_LABELS: Record<LimitName, string> = {
  leakedBytes: 'leaked bytes',
  leakedObjects: 'leaked objects',
  cycles: 'leaked cycles',
  uncollectable: 'uncollectable objects',
  peakBytes: 'peak',
  finalBytes: 'final',
};

/** Limits that are sizes (written like "64 MiB"); the others count objects or cycles. */
export const SIZE_LIMITS: ReadonlySet<LimitName> = new Set<LimitName>(['leakedBytes', 'peakBytes', 'finalBytes']);

export function limitFigures(report: Report): LimitFigures {
  const leaks = report.leaks;
  const leaked = leaks ? leakedTotals(leaks) : { objects: 0, bytes: 0 };
  return {
    leakedBytes: leaked.bytes,
    leakedObjects: leaked.objects,
    cycles: leaks ? leaks.cyclic.cycles.length : 0,
    uncollectable: leaks ? leaks.uncollectable.objects : 0,
    peakBytes: report.summary.peakBytes,
    finalBytes: report.summary.finalBytes,
  };
}

/** A workload's `limits` block in bytes and counts. */
export function workloadLimits(limits: Limits | undefined): LimitValues {
  const values: LimitValues = {};
  if (limits === undefined) return values;
  for (const name of LIMIT_NAMES) {
    const v = limits[name];
    if (v !== undefined) values[name] = parseSize(v);
  }
  return values;
}

/** A leak gate fails on any leak unless told otherwise: with no limit at all, no object may leak. */
export const DEFAULT_LIMITS: LimitValues = { leakedObjects: 0 };

/** Flags win over the workload's own limits, one key at a time; with neither, the default applies. */
export function mergeLimits(workload: LimitValues, flags: LimitValues): LimitValues {
  const merged = { ...workload, ...flags };
  return Object.keys(merged).length === 0 ? { ...DEFAULT_LIMITS } : merged;
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
