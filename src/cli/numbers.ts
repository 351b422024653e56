// Numeric flags, read from the text the user typed. yargs' own number parsing takes `0x10`, `1e3`,
// `' '` and `''` for numbers (16, 1000, 0, 0) and turns `abc` into NaN; these options are declared
// as strings and parsed here: plain decimal digits only, in range, and a message that quotes what
// was typed.
import { UsageError } from '../workload/errors.js';

/** 2^53 − 1: the largest count or byte figure that is exact as a JavaScript number. */
export const MAX_WHOLE = Number.MAX_SAFE_INTEGER;

const DIGITS = /^\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;
/** `1048576`, `64 MiB`, `1.5KiB`: 1024-based units; KB/MB/GB mean KiB/MiB/GiB as in workloads. */
const SIZE = /^(\d+)(?:\.(\d+))?\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/;
const UNIT_SHIFT: Record<string, number> = { B: 0, KiB: 10, MiB: 20, GiB: 30, KB: 10, MB: 20, GB: 30 };

/** The value a flag was last given (main.ts collapses repeats; a coerce may still see them). */
function lastOf(value: unknown): unknown {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function quoted(value: unknown): string {
  return `'${String(value)}'`;
}

/**
 * A yargs `coerce` for a whole number from `min` to `max`, which `expected` says in words ("a
 * positive integer"). Defaults arrive as numbers and pass as they are.
 */
export function wholeNumberFlag(flag: string, expected: string, min: number, max = MAX_WHOLE) {
  return (given: unknown): number | undefined => {
    const value = lastOf(given);
    if (value === undefined) return undefined;
    if (typeof value === 'number') return value;
    const text = String(value);
    const n = DIGITS.test(text) ? Number(text) : Number.NaN;
    if (n > max && max === MAX_WHOLE) throw new UsageError(`--${flag} must be at most ${MAX_WHOLE}, got ${quoted(text)}`);
    if (!(n >= min && n <= max)) throw new UsageError(`--${flag} must be ${expected}, got ${quoted(text)}`);
    return n;
  };
}

/** A positive decimal number (`250`, `0.5`), at most 2^53 − 1. */
export function positiveDecimalFlag(flag: string) {
  return (given: unknown): number | undefined => {
    const value = lastOf(given);
    if (value === undefined) return undefined;
    if (typeof value === 'number') return value;
    const text = String(value);
    const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
    if (!(n > 0 && n <= MAX_WHOLE)) throw new UsageError(`--${flag} must be a positive number, got ${quoted(text)}`);
    return n;
  };
}

/**
 * A size: bytes as digits, or a number and a unit (`64 MiB`, `1.5 KiB`), that comes to a whole
 * number of bytes no larger than 2^53 − 1. Computed in integers: `0.1 KiB` (102.4 bytes) is refused,
 * not rounded.
 */
export function sizeFlag(flag: string) {
  return (given: unknown): number | undefined => {
    const value = lastOf(given);
    if (value === undefined) return undefined;
    if (typeof value === 'number') return value;
    const text = String(value);
    const bytes = parseWholeSize(text);
    if (bytes === null) {
      throw new UsageError(`--${flag} must be a size like 1048576 or "1 MiB" (units B, KiB, MiB, GiB), got ${quoted(text)}`);
    }
    if (bytes === 'fraction') throw new UsageError(`--${flag} must come to a whole number of bytes, got ${quoted(text)}`);
    if (bytes === 'large') throw new UsageError(`--${flag} must be at most ${MAX_WHOLE} bytes, got ${quoted(text)}`);
    return bytes;
  };
}

function parseWholeSize(text: string): number | null | 'fraction' | 'large' {
  const m = SIZE.exec(text);
  if (!m) return null;
  const fraction = m[2] ?? '';
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(m[1]!) * scale + BigInt(fraction === '' ? 0 : fraction)) << BigInt(UNIT_SHIFT[m[3] ?? 'B']!);
  if (scaled % scale !== 0n) return 'fraction';
  const bytes = scaled / scale;
  return bytes > BigInt(MAX_WHOLE) ? 'large' : Number(bytes);
}

/** A limit flag: what `coerce` accepts, or `none` (null) to lift the limit the workload or the default sets. */
export function limitFlag<T>(coerce: (given: unknown) => T | undefined) {
  return (given: unknown): T | null | undefined => (lastOf(given) === 'none' ? null : coerce(given));
}
