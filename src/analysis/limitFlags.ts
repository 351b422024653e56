// How the limits appear on the command line, apart from the limit logic (./limits.ts) so that
// `memprof check`'s options are declared without loading the report schema.
import type { LimitName } from '../model/report.js';

/** What each limit is called on the command line and in messages. */
export const LIMIT_FLAGS: Record<LimitName, string> = {
  leakedBytes: 'max-leaked-bytes',
  leakedObjects: 'max-leaked-objects',
  cycles: 'max-cycles',
  uncollectable: 'max-uncollectable',
  peakBytes: 'max-peak',
  finalBytes: 'max-final',
};

/** Limits that are sizes (written like "64 MiB"); the others count objects or cycles. */
export const SIZE_LIMITS: ReadonlySet<LimitName> = new Set<LimitName>(['leakedBytes', 'peakBytes', 'finalBytes']);
