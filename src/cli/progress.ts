// The progress display on stderr while a long replay runs: events, rate, and an ETA when the
// number of events can be told in advance. It redraws one line in place on a terminal and erases it
// at the end, so the report on stdout (or a pipe) never sees it; by default it appears only on a
// terminal and only once a replay has run long enough to be worth watching.
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';

/** What the display writes to: process.stderr, or a fake in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** `--progress` (true), `--no-progress` (false), or neither (undefined: terminal and slow only). */
  mode: boolean | undefined;
  /** Expected number of events, when known or estimated; no ETA without it. */
  expectedEvents?: number;
  /** The expected count is an estimate (shown with `~`). */
  estimated?: boolean;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

/** Without `--progress`, nothing is shown before this many ms: short replays stay silent. */
export const QUIET_MS = 1000;
/** Shortest gap between two redraws (ms); lines on a non-terminal are further apart. */
const REDRAW_MS = 100;
const LINE_MS = 2000;

export class Progress {
  private readonly start: number;
  private readonly now: () => number;
  private lastDraw = -Infinity;
  private drawn = false;
  private readonly tty: boolean;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.start = this.now();
    this.tty = stream.isTTY === true;
  }

  /** Whether anything will ever be shown: never with --no-progress; by default only on a terminal. */
  get enabled(): boolean {
    return this.options.mode === true || (this.options.mode === undefined && this.tty);
  }

  /** The exact number of events became known (a `.json` document, loaded on a worker thread). */
  expect(events: number): void {
    this.options.expectedEvents = events;
    this.options.estimated = false;
  }

  /** `events` have been replayed. Cheap when nothing is drawn: one clock read. */
  update(events: number): void {
    if (!this.enabled) return;
    const now = this.now();
    const elapsed = now - this.start;
    if (this.options.mode === undefined && elapsed < QUIET_MS) return;
    if (now - this.lastDraw < (this.tty ? REDRAW_MS : LINE_MS)) return;
    this.lastDraw = now;
    const line = formatProgress(events, elapsed, this.options.expectedEvents, this.options.estimated === true);
    if (this.tty) {
      const width = Math.max(20, (this.stream.columns ?? 80) - 1);
      this.stream.write(`\r${line.slice(0, width)}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** The replay ended: the line is erased from the terminal. */
  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** `memprof: 3,276,800 / ~10,000,000 events  [#######.............]  33%  812,000 events/s  ETA 8s` */
export function formatProgress(events: number, elapsedMs: number, expected: number | undefined, estimated: boolean): string {
  const rate = elapsedMs > 0 ? (events * 1000) / elapsedMs : 0;
  const parts = [`memprof: ${group(events)}`];
  if (expected !== undefined && expected > 0) {
    const fraction = Math.min(1, events / expected);
    const filled = Math.round(fraction * 20);
    parts[0] += ` / ${estimated ? '~' : ''}${group(expected)} events`;
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}]`, `${Math.floor(fraction * 100)}%`);
  } else {
    parts[0] += ' events';
  }
  parts.push(`${group(Math.round(rate))} events/s`);
  if (expected !== undefined && rate > 0 && events < expected) parts.push(`ETA ${duration((expected - events) / rate)}`);
  return parts.join('  ');
}

function group(n: number): string {
  return n.toLocaleString('en-US');
}

function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** How much of an NDJSON file is read to estimate its event count from its mean line length. */
const SAMPLE_BYTES = 1 << 20;

/**
 * An estimate of the events of an NDJSON trace (one event per line after the header): the file size
 * over the mean length of the lines in its first MiB. Traces are written by one recorder and their
 * lines are alike, so this is close; `repeat` events would make it low. Undefined for JSON documents
 * (their repeats expand as they go) and for files it cannot read.
 */
export async function estimateNdjsonEvents(file: string): Promise<number | undefined> {
  const ext = extname(file).toLowerCase();
  if (ext !== '.ndjson' && ext !== '.jsonl') return undefined;
  try {
    const size = (await stat(file)).size;
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(SAMPLE_BYTES, size));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      let lines = 0;
      let headerEnd = -1;
      let lastEnd = -1;
      for (let i = 0; i < bytesRead; i++) {
        if (buffer[i] !== 0x0a) continue;
        if (headerEnd < 0) headerEnd = i + 1;
        else lines++;
        lastEnd = i + 1;
      }
      if (headerEnd < 0) return undefined;
      if (bytesRead === size) return lines + (buffer[size - 1] === 0x0a ? 0 : 1);
      if (lines === 0) return undefined;
      return Math.round(((size - headerEnd) * lines) / (lastEnd - headerEnd));
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
