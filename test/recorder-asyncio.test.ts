// An asyncio program: the event loop that `asyncio.run` makes is reached by the program's own line
// (`asyncio.get_running_loop()`), so the trace follows it, and then closed and dropped inside the
// library. Two things went wrong there:
// - on 3.12, gc.get_referents of the `_asyncio` module also returns the future iterators on its
//   freelist; the recorder held one and let it go, which put it on the freelist twice, and the
//   next look at the module before a gc.collect() never returned (the recording hung until killed);
// - closing the loop undid its cycles (the selector and the selector's map), and it died by
//   reference counting where the trace did not see: the model still had those cycles and
//   collected some 30 objects more than the real gc.collect() (real 5, model 32 on 3.11);
// - an automatic pass inside `import asyncio` (an enum being made in `ssl`) took the locals of
//   every library frame on the stack into the trace; the enum machinery then dropped them unseen,
//   and the next pass collected fewer in the model (3.12: real 18 and 48, model 6 and 0).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { recordAndReplay } from './support/record.js';

const PROGRAM = `import asyncio
import gc


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_soon(fut.set_result, 7)
    return await fut


print(asyncio.run(main()))
print(gc.collect())
print(gc.collect())
`;

const dir = mkdtempSync(join(tmpdir(), 'memprof-asyncio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'futures.py'), PROGRAM);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`an asyncio program recorded on CPython ${version}${skipped}`, () => {
    it('records to its end; the import\'s automatic passes and the closed event loop count as in the real run', async () => {
      const { stdout, report } = await recordAndReplay(dir, 'futures.py', python!, version);
      const printed = stdout.split('\n');
      expect(printed[0]).toBe('7');
      const collects = report.recorded!.collects;
      expect(collects.map((c) => c.real)).toEqual([Number(printed[1]), 0]);
      expect(collects.map((c) => c.model)).toEqual(collects.map((c) => c.real));
      expect(report.recorded!.automatic.length).toBeGreaterThan(0);
      expect(report.recorded!.automatic.filter((a) => !a.equal)).toEqual([]);
      expect(report.recorded!.census!.equal).toBe(true);
    }, 120_000);
  });
}
