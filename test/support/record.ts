// Records a small program with the CLI, as `memprof record` runs it, and replays the trace: what the
// recording tests of one behaviour each share.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Interpreter } from '../../src/recorder/interpreter.js';
import { replayWorkload, type ReplayOutcome } from '../../src/replay/replay.js';
import { loadWorkload } from '../../src/workload/load.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'memprof.js');

/** `memprof record -q` of `script` in `dir` under `python`, to `<script>.<tag>.ndjson`: the
 * program's stdout, the trace's path and the replay's outcome. */
export async function recordAndReplay(
  dir: string,
  script: string,
  python: Interpreter,
  tag: string,
): Promise<{ stdout: string; trace: string; report: ReplayOutcome['report'] }> {
  const trace = join(dir, `${script.replace(/\.py$/, '')}.${tag}.ndjson`);
  const { stdout } = await run(process.execPath, [CLI, 'record', '-q', '--python', python.path, '-o', trace, script], { cwd: dir });
  const { report } = await replayWorkload(await loadWorkload(trace));
  return { stdout, trace, report };
}
