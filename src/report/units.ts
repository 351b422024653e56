// Byte figures as people read them: one unit per table, numbers formatted the way Python's
// `'{:.1f}'.format(x)` does (memory_profiler's cells), so our tables and theirs agree digit for digit.
//
// One rule on top of memory_profiler's: a figure that is not zero never prints as zero. memory_profiler
// shows a line that kept 12.6 KiB as `0.0 MiB` (and a small decrease as `-0.0 MiB`); here a figure
// that would round to zero in its table's unit is written in the unit `auto` picks for it alone
// (`12.6 KiB`, `-56.0 B`), so `0.0` always means nothing changed.

export const UNITS = ['B', 'KiB', 'MiB', 'GiB'] as const;
export type Unit = (typeof UNITS)[number];
export type UnitChoice = Unit | 'auto';

/** log2 of each unit's size in bytes. */
const SHIFT: Record<Unit, number> = { B: 0, KiB: 10, MiB: 20, GiB: 30 };

/** `auto`: B below 1 KiB, KiB below 1 MiB, MiB below 1 GiB, else GiB — chosen from the table's peak. */
export function chooseUnit(choice: UnitChoice, peakBytes: number): Unit {
  if (choice !== 'auto') return choice;
  const bytes = Math.abs(peakBytes);
  if (bytes < 2 ** 10) return 'B';
  if (bytes < 2 ** 20) return 'KiB';
  if (bytes < 2 ** 30) return 'MiB';
  return 'GiB';
}

/**
 * `x.toFixed(precision)` with Python's rounding: an exact tie goes to the even digit
 * (`'{:.1f}'.format(0.25)` is `0.2` where JavaScript says `0.3`). Byte counts are integers and
 * units are powers of two, so `bytes / 2**shift` is exact and the tie test is done in integers.
 */
export function toFixedPython(bytes: number, shift: number, precision: number): string {
  // The decimals toFixed accepts (the CLI allows 0 to 12): a larger count would only cost time.
  precision = Math.min(100, Math.max(0, Math.floor(precision) || 0));
  // Figures past 2^53 (only a report read from a file holds them) lose the tie rule, not their digits.
  if (!Number.isSafeInteger(bytes)) return Number.isFinite(bytes) ? (bytes / 2 ** shift).toFixed(precision) : String(bytes);
  const negative = bytes < 0;
  const scaled = BigInt(Math.abs(bytes)) * 10n ** BigInt(precision);
  const divisor = 1n << BigInt(shift);
  let quotient = scaled / divisor;
  const twiceRemainder = (scaled % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n)) quotient += 1n;
  let digits = quotient.toString();
  if (precision > 0) {
    digits = digits.padStart(precision + 1, '0');
    digits = `${digits.slice(0, -precision)}.${digits.slice(-precision)}`;
  }
  // Python keeps the sign of a negative value that rounds to zero (`-0.0`); the figures below never
  // reach that case (see `shownUnit`).
  return negative ? `-${digits}` : digits;
}

/** Whether `bytes` would print as zero in `unit` although it is not zero. */
function roundsToZero(bytes: number, unit: Unit, precision: number): boolean {
  if (bytes === 0 || !Number.isFinite(bytes)) return false;
  return !/[1-9]/.test(toFixedPython(bytes, SHIFT[unit], precision));
}

/** The unit a figure is written in: its table's, unless that would show a figure that is not zero
 * as zero; then the one `auto` picks for the figure alone (in which it is at least 1). */
export function shownUnit(bytes: number, unit: Unit, precision: number): Unit {
  return roundsToZero(bytes, unit, precision) ? chooseUnit('auto', bytes) : unit;
}

/** `1.5 KiB`: the number in `unit` with `precision` decimals, then the unit (see `shownUnit`). */
export function formatBytes(bytes: number, unit: Unit, precision: number): string {
  const shown = shownUnit(bytes, unit, precision);
  return `${toFixedPython(bytes, SHIFT[shown], precision)} ${shown}`;
}

/**
 * memory_profiler's cell: `'{0:{w}.{p}f} MiB'` with `w = precision + 4` — the number is padded to
 * that width before the unit is appended, then the template right-aligns the cell.
 */
export function formatMemCell(bytes: number, unit: Unit, precision: number): string {
  const shown = shownUnit(bytes, unit, precision);
  return `${toFixedPython(bytes, SHIFT[shown], precision).padStart(precision + 4)} ${shown}`;
}

/** Formats a figure with the unit `auto` would pick for it alone (summaries, sentences). */
export function formatBytesAuto(bytes: number, choice: UnitChoice, precision: number): string {
  return formatBytes(bytes, chooseUnit(choice, bytes), precision);
}

/** What every renderer is told besides the report. */
export interface RenderOptions {
  unit: UnitChoice;
  /** Decimals of byte figures (memory_profiler's `precision`, default 1). */
  precision: number;
  /** ANSI colour (only for a terminal; never in files). */
  color: boolean;
  /** Source text by file (`lines[k]` is line k+1), for lines the report has no entry for. */
  source?: Record<string, string[]>;
}
