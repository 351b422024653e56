// NDJSON files are split into lines as readline splits them, whatever the chunk boundaries.
import fc from 'fast-check';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { LineReader } from '../src/workload/lines.js';

const dir = mkdtempSync(join(tmpdir(), 'memprof-lines-'));

async function readlineLines(path: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })) lines.push(line);
  // The loader drops a byte order mark at the start of line 1.
  if (lines.length > 0 && lines[0]!.startsWith('\uFEFF')) lines[0] = lines[0]!.slice(1);
  return lines;
}

function readerLines(path: string, chunkBytes?: number): string[] {
  const reader = LineReader.open(path, chunkBytes);
  const lines: string[] = [];
  try {
    while (reader.fill()) {
      for (let line = reader.next(); line !== null; line = reader.next()) {
        lines.push(line);
        expect(reader.lineNumber).toBe(lines.length);
      }
    }
  } finally {
    reader.close();
  }
  return lines;
}

describe('reading an NDJSON file line by line', () => {
  it('splits at \\n, \\r\\n and a lone \\r, keeps blank lines and a last line without a break, like readline', async () => {
    const piece = fc.constantFrom('{"op": "line"}', 'x', ' ', '', 'é', '€', '𝄞', '\n', '\n', '\r\n', '\r', '\uFEFF');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 30 }), fc.integer({ min: 1, max: 9 }), async (pieces, chunkBytes) => {
        const path = join(dir, `random-${run++}.ndjson`);
        writeFileSync(path, pieces.join(''));
        expect(readerLines(path, chunkBytes)).toEqual(await readlineLines(path));
      }),
      { numRuns: 400 },
    );
  });

  it('reads a line longer than a chunk whole', () => {
    const long = `{"op": "snapshot", "label": "${'x'.repeat(3 << 20)}"}`;
    const path = join(dir, 'long.ndjson');
    writeFileSync(path, `{"version": 1}\r\n${long}\r\n{"op": "line"}`);
    expect(readerLines(path)).toEqual(['{"version": 1}', long, '{"op": "line"}']);
  });
});
