// Measures one workload in a process of its own (so its peak RSS is its own) and prints one JSON
// line: `node --expose-gc bench/one.js FILE [--memory-model pymalloc]`.
//
// 1. JSON.parse alone: the file read and parsed as the loader does (one document, or line by line).
// 2. The replay, event by event through `Replay.step`, timing each full `gc.collect()` apart, and
//    the engine alone (the steps, without loading the events).
// 3. Memory: at the workload's `snapshot "peak"` the JS heap is collected and measured, so the
//    bytes per live simulated object are what the replay retains, not garbage awaiting V8's GC.
// 4. V8's own collections during the replay (PerformanceObserver 'gc' entries, the bench's forced
//    collection left out), and the load average before and after: the machine may be shared.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { loadavg } from 'node:os';
import { performance, PerformanceObserver } from 'node:perf_hooks';

const file = process.argv[2];
const memoryModel = process.argv.includes('--memory-model') ? process.argv[process.argv.indexOf('--memory-model') + 1] : 'live';
const ndjson = file.endsWith('.ndjson');

async function parseOnly() {
  const start = performance.now();
  let count = 0;
  if (ndjson) {
    // The cheapest line-by-line parse: 1 MiB reads, split at '\n', no stream machinery.
    const fd = openSync(file, 'r');
    const buffer = Buffer.alloc(1 << 20);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) {
      const text = rest + decoder.write(buffer.subarray(0, n));
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        if (nl > from) count += JSON.parse(text.slice(from, nl)) === null ? 0 : 1;
        from = nl + 1;
      }
      rest = text.slice(from);
    }
    if (rest.trim() !== '') count += JSON.parse(rest) === null ? 0 : 1;
    closeSync(fd);
  } else {
    count = JSON.parse(readFileSync(file, 'utf8')).events.length;
  }
  return { seconds: (performance.now() - start) / 1000, count };
}

function memory() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external + m.arrayBuffers };
}

const gc = globalThis.gc ?? (() => undefined);
gc();
const before = memory();
const parse = await parseOnly();
gc();
const idle = memory();

const { loadWorkload } = await import('../dist/workload/load.js');
const { Replay } = await import('../dist/replay/replay.js');

// V8's own collections during the replay (not the bench's forced ones): their entries arrive
// asynchronously, with the time they started, and are summed once the replay is over.
const v8Collections = [];
const forcedCollections = [];
const observer = new PerformanceObserver((list) => v8Collections.push(...list.getEntries().map((e) => [e.startTime, e.duration])));
observer.observe({ entryTypes: ['gc'] });
const loadBefore = loadavg()[0];

const start = performance.now();
const loaded = await loadWorkload(file);
const replay = new Replay(loaded, { memoryModel });
const heap = replay.heap;
let events = 0;
let peak = null;
const collections = [];
let maxLive = 0;
let peakRssSampled = 0;
let gcPauseMs = 0;

const step = (se) => {
  const op = se.event.op;
  if (op === 'gc.collect') {
    const tracked = countTracked(replay.gc);
    const t0 = performance.now();
    replay.step(se);
    collections.push({ seconds: (performance.now() - t0) / 1000, tracked, references: countReferences(heap) });
  } else if (op === 'snapshot' && se.event.label === 'peak') {
    const t0 = performance.now();
    gc();
    const live = heap.objectsAllocated - heap.objectsFreed;
    peak = { live, ...memory() };
    forcedCollections.push([t0, performance.now()]);
    gcPauseMs += performance.now() - t0;
    replay.step(se);
  } else {
    replay.step(se);
  }
  if ((++events & 0xffff) === 0) {
    const live = heap.objectsAllocated - heap.objectsFreed;
    if (live > maxLive) maxLive = live;
    const rss = process.memoryUsage.rss();
    if (rss > peakRssSampled) peakRssSampled = rss;
  }
};

// Events are taken from the loader in batches and each batch replayed under its own timer: the
// engine's time is the replay alone, without the parsing, validation and expansion of the events.
const BATCH = 1024;
const batch = [];
let engineMs = 0;
const replayBatch = () => {
  const t0 = performance.now();
  const pausedBefore = gcPauseMs;
  for (let i = 0; i < batch.length; i++) step(batch[i]);
  engineMs += performance.now() - t0 - (gcPauseMs - pausedBefore);
  batch.length = 0;
};
for (const se of loaded.events) if (batch.push(se) === BATCH) replayBatch();
replayBatch();
const outcome = replay.finish();
const end = performance.now();
const seconds = (end - start - gcPauseMs) / 1000;
await new Promise((resolve) => setTimeout(resolve, 50));
observer.disconnect();
const forced = (t) => forcedCollections.some(([from, to]) => t >= from && t <= to);
const v8GcSeconds = v8Collections.filter(([t]) => t >= start && t <= end && !forced(t)).reduce((sum, [, ms]) => sum + ms, 0) / 1000;
const live = heap.objectsAllocated - heap.objectsFreed;
if (live > maxLive) maxLive = live;

/** Objects the collector tracks now: the young generations plus the old one. */
function countTracked(collector) {
  let n = 0;
  for (const head of collector.generations ?? []) for (let node = head.gcNext; node !== null && node !== head; node = node.gcNext) n++;
  return n;
}

/** Strong references held by live objects (fields, dict values and items). */
function countReferences(h) {
  let n = 0;
  for (const obj of h.objects) {
    if (obj === null) continue;
    for (const v of obj.fieldValues) if (v !== undefined && v !== null) n++;
    if (obj.items !== null) for (const v of obj.items) if (v !== null) n++;
  }
  return n;
}

const report = outcome.report;
process.stdout.write(
  `${JSON.stringify({
    file,
    memoryModel,
    events,
    seconds,
    parseSeconds: parse.seconds,
    engineSeconds: engineMs / 1000,
    v8GcSeconds,
    load: [loadBefore, loadavg()[0]],
    parsedEvents: parse.count,
    collections,
    gcPasses: report.gc.passes.length,
    objectsAllocated: report.summary.objectsAllocated,
    maxLive,
    peak,
    before,
    idle,
    maxRss: process.resourceUsage().maxRSS * 1024,
    peakRssSampled,
    modelPeakRss: heap.memory?.peakRss,
    arenas: heap.memory?.stats,
  })}\n`,
);
