// The progress display of long replays: what it prints, when, and where it stays silent.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateNdjsonEvents, formatProgress, Progress, QUIET_MS } from '../src/cli/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, columns: 120, writes, write: (text: string) => writes.push(text) };
}

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('formatProgress', () => {
  it('shows events, a bar, the rate and an ETA when the total is known', () => {
    expect(formatProgress(2_500_000, 5000, 10_000_000, true)).toBe(
      'memprof: 2,500,000 / ~10,000,000 events  [#####...............]  25%  500,000 events/s  ETA 15s',
    );
    expect(formatProgress(1_000_000, 1000, 120_000_000, false)).toBe(
      'memprof: 1,000,000 / 120,000,000 events  [....................]  0%  1,000,000 events/s  ETA 1m59s',
    );
  });

  it('shows events and the rate alone when the total is unknown', () => {
    expect(formatProgress(65_536, 2000, undefined, false)).toBe('memprof: 65,536 events  32,768 events/s');
  });

  it('stops the bar at 100 % when an estimate was low', () => {
    expect(formatProgress(12, 1000, 10, true)).toBe('memprof: 12 / ~10 events  [####################]  100%  12 events/s');
  });
});

describe('Progress', () => {
  it('on a terminal, stays silent for the first second, then redraws one line and erases it at the end', () => {
    const stream = fakeStream(true);
    const c = clock();
    const p = new Progress(stream, { mode: undefined, expectedEvents: 1000, now: c.now });
    c.advance(QUIET_MS - 1);
    p.update(100);
    expect(stream.writes).toEqual([]);
    c.advance(1);
    p.update(200);
    c.advance(50);
    p.update(300); // within 100 ms of the last redraw: skipped
    c.advance(50);
    p.update(400);
    p.done();
    expect(stream.writes).toEqual([
      '\rmemprof: 200 / 1,000 events  [####................]  20%  200 events/s  ETA 4s\x1b[K',
      '\rmemprof: 400 / 1,000 events  [########............]  40%  364 events/s  ETA 2s\x1b[K',
      '\r\x1b[K',
    ]);
  });

  it('writes nothing when stderr is not a terminal, unless --progress asks', () => {
    const stream = fakeStream(false);
    const c = clock();
    const quiet = new Progress(stream, { mode: undefined, now: c.now });
    expect(quiet.enabled).toBe(false);
    c.advance(5000);
    quiet.update(1);
    quiet.done();
    expect(stream.writes).toEqual([]);

    const asked = new Progress(stream, { mode: true, now: c.now });
    asked.update(10); // --progress: at once, one line per update at most every 2 s, never erased
    c.advance(1000);
    asked.update(20);
    c.advance(1000);
    asked.update(30);
    asked.done();
    expect(stream.writes).toEqual(['memprof: 10 events  0 events/s\n', 'memprof: 30 events  15 events/s\n']);
  });

  it('never shows with --no-progress, even on a terminal', () => {
    const stream = fakeStream(true);
    const c = clock();
    const p = new Progress(stream, { mode: false, now: c.now });
    c.advance(10_000);
    p.update(1_000_000);
    p.done();
    expect(p.enabled).toBe(false);
    expect(stream.writes).toEqual([]);
  });
});

describe('estimateNdjsonEvents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memprof-progress-'));

  it('counts the event lines of a small trace exactly (the header is not an event)', async () => {
    const file = join(dir, 'small.ndjson');
    writeFileSync(file, '{"version":1}\n{"op":"line"}\n{"op":"line"}\n{"op":"line"}');
    expect(await estimateNdjsonEvents(file)).toBe(3);
  });

  it('extrapolates a large trace from the mean line length of its first MiB', async () => {
    const file = join(dir, 'large.ndjson');
    const line = '{"op":"alloc","id":"n000000","type":"Node","line":3}\n'; // 52 bytes
    writeFileSync(file, `{"version":1}\n${line.repeat(50_000)}`);
    expect(await estimateNdjsonEvents(file)).toBe(50_000);
  });

  it('gives no estimate for JSON documents or unreadable files', async () => {
    const file = join(dir, 'w.json');
    writeFileSync(file, '{"version":1,"events":[]}');
    expect(await estimateNdjsonEvents(file)).toBeUndefined();
    expect(await estimateNdjsonEvents(join(dir, 'missing.ndjson'))).toBeUndefined();
  });
});

describe('the progress of a .json document', () => {
  it('counts its events after expansion without expanding them: a repeat is its count times its body', async () => {
    const { expandedEventCount } = await import('../src/workload/expand.js');
    expect(expandedEventCount([])).toBe(0);
    expect(
      expandedEventCount([
        { op: 'line', line: 1 },
        { op: 'repeat', count: 3, var: 'i', body: [{ op: 'line', line: 2 }, { op: 'repeat', count: 4, var: 'j', body: [{ op: 'line', line: 3 }] }] },
        { op: 'repeat', count: 0, var: 'k', body: [{ op: 'line', line: 4 }] },
      ]),
    ).toBe(1 + 3 * (1 + 4));
  });

  it('shows an exact total and an ETA with --progress (no ~: the document was counted)', async () => {
    const { spawnSync } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'memprof-progress-json-'));
    const file = join(dir, 'w.json');
    const body = [{ op: 'line', line: 1 }];
    writeFileSync(file, JSON.stringify({ version: 1, events: [{ op: 'repeat', count: 100_000, body }] }));
    for (const command of [['run'], ['check', '--jobs', '1']]) {
      const r = spawnSync(process.execPath, ['bin/memprof.js', ...command, file, '--progress', '-o', join(dir, `${command[0]!}.out`)], { encoding: 'utf8' });
      expect(r.stderr).toMatch(/^memprof: 65,536 \/ 100,000 events {2}\[#############\.{7}\] {2}65% {2}[\d,]+ events\/s {2}ETA \d+s\n/);
    }
  });
});
