// `npm run bench:recorder` (also the end of `npm run bench`): what recording costs. Four programs —
// a 100,000-iteration loop, a dict grown one entry per line to 100,000 entries, a 1,000,000-item
// list built, sorted and dropped, 50,000 instances linked both ways by index — each run plain, under memory_profiler (`python3 -m
// memory_profiler`, line by line in the @profile function) and under `memprof record`, with the same
// interpreter where it has memory_profiler. Prints one Markdown table; nothing is asserted.
//
//   node bench/recorder.js [--python PATH] [--repeat N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const value = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const repeat = Number(value('--repeat') ?? 1);

/** A dict grown to `n` entries, one per line. */
function dictProgram(n) {
  return `
@profile
def main():
    d = {}
    for i in range(${n}):
        d[i] = str(i)
    n = len(d)
    del d
    return n
`;
}

/** Each program's work sits in one @profile function, which is what memory_profiler tabulates. */
const PROGRAMS = {
  'loop-100k': `
@profile
def main():
    total = 0
    for i in range(100_000):
        s = str(i)
        total += len(s)
    return total
`,
  'dict-100k': dictProgram(100_000),
  'list-1M': `
@profile
def main():
    lst = list(range(1_000_000))
    lst.sort(reverse=True)
    doubled = [x * 2 for x in lst[:1000]]
    del lst
    return len(doubled)
`,
  'linked-50k': `
import gc


class Node:
    def __init__(self, i):
        self.i = i
        self.prev = None
        self.next = None


@profile
def main():
    nodes = [Node(i) for i in range(50_000)]
    for a, b in zip(nodes, nodes[1:]):
        a.next = b
    for i in range(1, len(nodes)):
        nodes[i].prev = nodes[i - 1]
    del nodes, a, b
    return gc.collect()
`,
};
const PRELUDE = `try:
    profile
except NameError:
    def profile(f):
        return f
`;

/** An interpreter that has memory_profiler, if any: Debian's python3 has it as a package. */
function interpreterWithMemoryProfiler() {
  for (const python of [value('--python'), 'python3', '/usr/bin/python3'].filter(Boolean)) {
    const probe = spawnSync(python, ['-c', 'import memory_profiler, sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
    if (probe.status === 0) return { python, version: probe.stdout.trim(), memoryProfiler: true };
  }
  const python = value('--python') ?? 'python3';
  const probe = spawnSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  return { python, version: probe.stdout.trim(), memoryProfiler: false };
}

/** The best of `repeat` wall-clock times of a command, in seconds. */
function time(command, args, cwd) {
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${run.stderr.slice(-2000)}`);
    best = Math.min(best, seconds);
  }
  return best;
}

const interpreter = interpreterWithMemoryProfiler();
if (interpreter === null) {
  console.log('bench:recorder: no python3 on the PATH, nothing measured');
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'memprof-bench-recorder-'));
const fmt = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const rows = [];
try {
  for (const [name, body] of Object.entries(PROGRAMS)) {
    const script = join(dir, `${name.replace('-', '_')}.py`);
    writeFileSync(script, `${PRELUDE}${body}\nmain()\n`);
    const trace = join(dir, `${name}.ndjson`);
    const plain = time(interpreter.python, [script], dir);
    const mprof = interpreter.memoryProfiler ? time(interpreter.python, ['-m', 'memory_profiler', script], dir) : NaN;
    const recorded = time(process.execPath, [join(root, 'bin/memprof.js'), 'record', '-q', '--python', interpreter.python, '-o', trace, script], dir);
    const replay = time(process.execPath, [join(root, 'bin/memprof.js'), 'run', '-q', trace], dir);
    rows.push({ name, plain, mprof, recorded, replay, traceMiB: statSync(trace).size / 2 ** 20 });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nmemprof record — CPython ${interpreter.version} (${interpreter.python}), node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end, best of ${repeat}\n`,
);
console.log('| program | plain s | memory_profiler s | memprof record s | record ÷ plain | record ÷ memory_profiler | trace MiB | memprof run s |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const vsMprof = Number.isNaN(r.mprof) ? 'n/a' : `${fmt(r.recorded / r.mprof)}×`;
  console.log(
    `| ${r.name} | ${fmt(r.plain)} | ${Number.isNaN(r.mprof) ? 'n/a' : fmt(r.mprof)} | ${fmt(r.recorded)} | ${fmt(r.recorded / r.plain)}× | ${vsMprof} | ${fmt(r.traceMiB)} | ${fmt(r.replay)} |`,
  );
}
