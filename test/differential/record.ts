// `npm run oracle [-- 3.12 …]`: records what CPython prints for every differential case
// (test/differential/cases.ts) into fixtures/oracle/cpython-3.X.json, one file per version, with
// the hash of the exported script it ran. The test suite compares memprof with these on every run.
// Run it after a change to `export --python`, to the seeded generator or to a workload the suite
// compares (the suite names the cases whose script changed), with the interpreters installed
// (python3 or python3.X on the PATH, or pyenv's builds; each needs `_testcapi`).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { exportedScript, formatRecording, recordedCases, recordingPath, ROOT, type Recording } from './cases.js';
import { interpreters, mapLimited, runScript, type Interpreter } from './oracle.js';

function hasTestcapi(interpreter: Interpreter): boolean {
  try {
    execFileSync(interpreter.path, ['-c', 'import _testcapi; _testcapi.with_tp_del'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function record(interpreter: Interpreter): Promise<void> {
  const cases = recordedCases();
  const recording: Recording = { python: interpreter.python, interpreter: interpreter.version, cases: {} };
  const started = Date.now();
  const results = await mapLimited(cases, availableParallelism(), async (c) => {
    const { script, hash } = await exportedScript(c, interpreter.python);
    return { name: c.name, script: hash, observed: await runScript(interpreter.path, script, 120_000) };
  });
  for (const r of results) recording.cases[r.name] = { script: r.script, observed: r.observed };
  const file = recordingPath(interpreter.python);
  writeFileSync(file, formatRecording(recording));
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(`CPython ${interpreter.version} (${interpreter.path}): ${cases.length} cases in ${seconds} s → ${relative(ROOT, file)}\n`);
}

const wanted = new Set(process.argv.slice(2));
const chosen = interpreters().filter((i) => wanted.size === 0 || wanted.has(i.python));
let failed = false;
for (const interpreter of chosen) {
  if (!interpreter.present) {
    process.stderr.write(`skipped ${interpreter.python}: ${interpreter.missing}\n`);
    failed = true;
    continue;
  }
  if (!hasTestcapi(interpreter)) {
    process.stderr.write(`skipped ${interpreter.python}: ${interpreter.path} has no _testcapi.with_tp_del (legacy finalizers); use a full build\n`);
    failed = true;
    continue;
  }
  await record(interpreter);
}
for (const name of wanted) {
  if (!interpreters().some((i) => i.python === name)) {
    process.stderr.write(`unknown version '${name}': give 3.11, 3.12 or 3.13 (or nothing for all)\n`);
    failed = true;
  }
}
if (failed) process.exitCode = 1;
