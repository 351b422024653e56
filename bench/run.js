// `npm run bench`: generates the workloads of docs/performance.md and the dict, set and `repeat` ones at three sizes
// (deterministic seeds), measures each in its own process (bench/one.js) and prints one table; with
// python3 on the PATH it also runs the exported CPython script of the small workloads.
//
//   node bench/run.js [--quick] [--only chain|graph|churn|dict|dict-spread|set|set-spread|loop]
//                     [--memory-model pymalloc] [--profile] [--json FILE]
//
// --quick: the smallest size only. --profile: also run the largest of each under `node --cpu-prof`
// and print the functions with the most self time. Workloads are cached in $TMPDIR/memprof-bench.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATORS, writeWorkload } from './workloads.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const quick = flag('--quick');
const only = value('--only');
const memoryModel = value('--memory-model') ?? 'live';
const profile = flag('--profile');
const jsonOut = value('--json');

/** Sizes: chain, graph and loop nodes, churn events, dict keys and set members. The largest chain,
 * graph and churn are the targets' (docs/performance.md); `dict` holds all its keys in one dict, `dict-spread` the same events
 * in dicts of 1,000 keys (and sets alike); `loop` is 1M nodes / 3M references written as one `repeat`. */
const SIZES = {
  chain: [100_000, 300_000, 1_000_000],
  graph: [100_000, 300_000, 1_000_000],
  churn: [1_000_000, 3_000_000, 10_000_000],
  dict: [100_000, 300_000, 1_000_000],
  'dict-spread': [100_000, 300_000, 1_000_000],
  set: [100_000, 300_000, 1_000_000],
  'set-spread': [100_000, 300_000, 1_000_000],
  loop: [100_000, 300_000, 1_000_000],
};
/** The CPython comparison runs smaller instances: an exported script is one statement per event and
 * CPython compiles it whole (and the exporter builds it in one array). */
const PYTHON_SIZES = { chain: 20_000, graph: 5_000, churn: 20_000, dict: 20_000, 'dict-spread': 20_000, set: 20_000, 'set-spread': 20_000, loop: 5_000 };

const cache = join(tmpdir(), 'memprof-bench');
mkdirSync(cache, { recursive: true });

if (!existsSync(join(root, 'dist/replay/replay.js'))) {
  console.error('bench: build first (npm run build)');
  process.exit(2);
}

async function workloadFile(kind, size) {
  const file = join(cache, `${kind}-${size}.${kind === 'churn' ? 'ndjson' : 'json'}`);
  if (!existsSync(file)) {
    process.stderr.write(`bench: generating ${file}\n`);
    await writeWorkload(`${file}.tmp`, GENERATORS[kind](size, 1), kind === 'churn');
    const { renameSync } = await import('node:fs');
    renameSync(`${file}.tmp`, file);
  }
  return file;
}

function measure(file, extraNodeArgs = []) {
  const run = spawnSync(process.execPath, ['--expose-gc', ...extraNodeArgs, join(root, 'bench/one.js'), file, '--memory-model', memoryModel], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (run.status !== 0) throw new Error(`bench/one.js ${file} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

const PY_WRAPPER = `
import json, os, resource, sys, time
path = sys.argv[1]
source = open(path).read()
t0 = time.perf_counter()
code = compile(source, path, 'exec')
t1 = time.perf_counter()
real_exit = os._exit
def _exit(status):
    t2 = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    sys.stderr.write('MEMPROF-BENCH ' + json.dumps({'compile': t1 - t0, 'run': t2 - t1, 'maxRss': usage.ru_maxrss * 1024}) + '\\n')
    sys.stderr.flush()
    real_exit(status)
os._exit = _exit
sys.stdout = open(os.devnull, 'w')
exec(code, {'__name__': '__main__', '__file__': path})
`;

function python(file) {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  const script = `${file}.py`;
  if (!existsSync(script)) {
    const exp = spawnSync(process.execPath, [join(root, 'bin/memprof.js'), 'export', file, '--python', '-o', script], { encoding: 'utf8', timeout: 300_000 });
    if (exp.status !== 0) throw new Error(`export failed: ${exp.stderr}`);
  }
  const wrapper = join(cache, 'pywrap.py');
  writeFileSync(wrapper, PY_WRAPPER);
  const run = spawnSync('python3', [wrapper, script], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = run.stderr.split('\n').find((l) => l.startsWith('MEMPROF-BENCH '));
  if (line === undefined) throw new Error(`python3 ${script} failed:\n${run.stderr.slice(-2000)}`);
  return { version: probe.stdout.trim() || probe.stderr.trim(), ...JSON.parse(line.slice('MEMPROF-BENCH '.length)) };
}

/** The functions with the most self time in a .cpuprofile (V8's sampling profile). */
function topFunctions(profileFile, n = 15) {
  const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(profileFile, 'utf8'));
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]);
    const dt = timeDeltas[i] ?? 0;
    total += dt;
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.replace(/^.*\/(dist|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
}

const fmt = (n, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (n) => Math.round(n).toLocaleString('en-US');
const mib = (bytes) => fmt(bytes / 1048576, 0);

const results = [];
const kinds = Object.keys(SIZES).filter((k) => only === undefined || k === only);
for (const kind of kinds) {
  for (const size of quick ? SIZES[kind].slice(0, 1) : SIZES[kind]) {
    const file = await workloadFile(kind, size);
    process.stderr.write(`bench: ${kind} ${int(size)} …\n`);
    const m = measure(file);
    results.push({ kind, size, fileBytes: statSync(file).size, ...m });
  }
}
const comparisons = [];
if (spawnSync('python3', ['--version']).status === 0 && !flag('--no-python')) {
  for (const kind of kinds) {
    const size = PYTHON_SIZES[kind];
    const file = await workloadFile(kind, size);
    process.stderr.write(`bench: ${kind} ${int(size)} under memprof and CPython …\n`);
    const m = measure(file);
    let py;
    try {
      py = python(file);
    } catch (err) {
      py = { error: err.message.split('\n').slice(0, 2).join(' ') };
    }
    comparisons.push({ kind, size, ...m, python: py });
  }
}

console.log(`\nmemprof bench — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${mib(totalmem())} MiB RAM, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end, memory model ${memoryModel}\n`);
console.log('| workload | load | events | file MiB | replay s | events/s | JSON.parse s | replay ÷ parse | engine s | engine events/s | V8 GC s | full gc s / 1M tracked | peak RSS MiB | live objects at peak | JS heap B / live object | RSS B / live object |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  const fullGc = r.collections.filter((c) => c.tracked > 0).map((c) => `${fmt(c.seconds / (c.tracked / 1e6))} (${int(c.tracked)} obj, ${int(c.references)} refs)`);
  const peak = r.peak;
  const perObject = peak && peak.live > 0 ? int((peak.heapUsed + peak.external - r.idle.heapUsed - r.idle.external) / peak.live) : '–';
  const rssPerObject = peak && peak.live > 0 ? int((peak.rss - r.idle.rss) / peak.live) : '–';
  console.log(
    `| ${r.kind}-${int(r.size)} | ${r.load.map((l) => fmt(l, 1)).join('–')} | ${int(r.events)} | ${mib(r.fileBytes)} | ${fmt(r.seconds)} | ${int(r.events / r.seconds)} | ${fmt(r.parseSeconds)} | ${fmt(r.seconds / r.parseSeconds, 1)} | ${fmt(r.engineSeconds)} | ${int(r.events / r.engineSeconds)} | ${fmt(r.v8GcSeconds)} (${fmt((100 * r.v8GcSeconds) / r.seconds, 0)} %) | ${fullGc.join('; ') || '–'} | ${mib(r.maxRss)} | ${peak ? int(peak.live) : int(r.maxLive)} | ${perObject} | ${rssPerObject} |`,
  );
}
if (comparisons.length > 0) {
  const version = comparisons.find((c) => c.python.version)?.python.version ?? 'python3';
  console.log(`\nThe same programs under CPython (${version}), exported with \`memprof export --python\`:\n`);
  console.log('| workload | events | memprof replay s | memprof max RSS MiB | CPython compile s | CPython run s | CPython run ÷ memprof replay | CPython max RSS MiB |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of comparisons) {
    const p = r.python;
    const cells = p.error ? [p.error, '', '', ''] : [fmt(p.compile), fmt(p.run), fmt(p.run / r.seconds), mib(p.maxRss)];
    console.log(`| ${r.kind}-${int(r.size)} | ${int(r.events)} | ${fmt(r.seconds)} | ${mib(r.maxRss)} | ${cells.join(' | ')} |`);
  }
}
if (memoryModel === 'pymalloc') {
  console.log('\nModelled pymalloc figures:\n');
  console.log('| workload | modelled peak RSS MiB | arenas total | arenas reclaimed | arenas highwater |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.kind}-${int(r.size)} | ${mib(r.modelPeakRss)} | ${r.arenas.arenasAllocatedTotal} | ${r.arenas.arenasReclaimed} | ${r.arenas.arenasHighwater} |`);
}

if (profile) {
  const dir = join(cache, 'profiles');
  for (const kind of kinds) {
    const size = quick ? SIZES[kind][0] : SIZES[kind][SIZES[kind].length - 1];
    const file = await workloadFile(kind, size);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    measure(file, ['--cpu-prof', '--cpu-prof-dir', dir]);
    const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    console.log(`\nProfile of ${kind}-${int(size)} (self time, node --cpu-prof):\n`);
    console.log('| function | self ms | share |');
    console.log('| --- | ---: | ---: |');
    for (const f of topFunctions(join(dir, prof))) console.log(`| \`${f.name}\` | ${int(f.ms)} | ${fmt(f.share * 100, 1)} % |`);
  }
}

if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ results, comparisons }, null, 2)}\n`);
