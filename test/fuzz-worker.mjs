// Runs memprof's `main()` for test/fuzz.test.ts inside a worker thread of the test's process: the
// test can then stop a run that overstays its budget (a loop that never ends cannot be interrupted
// from its own thread) and report it as a hang instead of hanging itself. The CLI is the one
// test/setup/build.ts compiled from src/ before the suites ran.
import { parentPort } from 'node:worker_threads';
import { main } from '../dist/cli/main.js';

/** Most characters of stdout sent back: the test looks only at its start. */
const KEEP = 4000;

let stdout = '';
let stderr = '';
function capture(append) {
  return (chunk, encoding, callback) => {
    append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') done();
    return true;
  };
}
process.stdout.write = capture((s) => {
  if (stdout.length < KEEP) stdout += s.slice(0, KEEP - stdout.length);
});
process.stderr.write = capture((s) => {
  stderr += s;
});

parentPort.on('message', async ({ id, argv }) => {
  stdout = '';
  stderr = '';
  const started = performance.now();
  let code;
  try {
    code = await main(argv);
  } catch (err) {
    // main() returns its code for every failure; anything thrown is a bug.
    code = 'threw';
    stderr += `${err && err.stack ? err.stack : String(err)}\n`;
  }
  parentPort.postMessage({ id, code, stdout, stderr, ms: performance.now() - started });
});
