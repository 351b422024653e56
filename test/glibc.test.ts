// glibc malloc as memprof models it for the blocks pymalloc does not serve (over 512 bytes): what it
// keeps resident after free(). The figures of the C programs quoted below were measured with glibc
// 2.36 on x86-64 (mallinfo2().arena, written to stderr so that no stdio buffer lands in the heap).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chunkSize, GlibcMalloc, PAGE_SIZE } from '../src/memory/glibc.js';

const MiB = 1024 * 1024;

/** n chunks of `bytes`, then all freed, first to last or last to first. */
function fillAndFree(n: number, bytes: number, order: 'forward' | 'reverse'): { m: GlibcMalloc; full: number; fullHeap: number } {
  const m = new GlibcMalloc();
  const chunks = Array.from({ length: n }, () => m.malloc(bytes));
  const full = m.rss;
  const fullHeap = m.heapBytes;
  if (order === 'reverse') chunks.reverse();
  for (const h of chunks) m.free(h);
  return { m, full, fullHeap };
}

describe('glibc malloc chunks', () => {
  it('adds an 8-byte header and rounds to 16, 32 bytes at least (request2size)', () => {
    expect([0, 24, 25, 1025, 1081].map(chunkSize)).toEqual([32, 32, 48, 1040, 1104]);
  });
});

describe('what free() gives back', () => {
  it('1,000 blocks of 1,025 bytes freed last to first (as del lst[i:j] and lst.clear() do): nothing', () => {
    // for (i = n - 1; i >= 0; i--) free(h[i]): arena 1,081,344 before and after.
    const { m, full, fullHeap } = fillAndFree(1000, 1025, 'reverse');
    expect(fullHeap).toBe(1_081_344);
    expect(m.heapBytes).toBe(1_081_344);
    expect(m.rss).toBe(full);
    expect(full).toBe(1_040_384);
    expect(m.trims).toBe(0);
  });

  it('the same freed first to last: the free chunks merge into the top and the heap shrinks to 136 KiB', () => {
    // The first 7 freed stay in the tcache, at the heap's bottom; the rest reaches the top chunk,
    // which exceeds the trim threshold: arena 1,081,344 -> 139,264, as in the C program.
    const { m } = fillAndFree(1000, 1025, 'forward');
    expect(m.heapBytes).toBe(139_264);
    expect(m.rss).toBe(139_264);
    expect(m.trims).toBe(1);
    // The next 1,000 blocks grow the heap again.
    for (let i = 0; i < 1000; i++) m.malloc(1025);
    expect(m.rss).toBe(1_040_384);
  });

  it('records_rss in C: the item array of a list grown by realloc among 5,000 malloc(1025); freed last to first; built again', () => {
    // glibc 2.36: arena 5,328,896 at each of the three points (the rebuild reuses the freed chunks).
    const grow = (n: number): number => (n + (n >> 3) + 6) & ~3; // list_resize
    const m = new GlibcMalloc();
    let items = -1;
    let allocated = 0;
    const buffers: number[] = [];
    for (let i = 0; i < 5000; i++) {
      if (i + 1 > allocated) {
        allocated = grow(i + 1);
        items = items < 0 ? m.malloc(8 * allocated) : m.realloc(items, 8 * allocated);
      }
      buffers.push(m.malloc(1025));
    }
    const heaps = [m.heapBytes];
    for (let i = 4999; i >= 0; i--) m.free(buffers[i]!);
    heaps.push(m.heapBytes);
    for (let i = 0; i < 5000; i++) m.malloc(1025);
    heaps.push(m.heapBytes);
    expect(heaps).toEqual([5_328_896, 5_328_896, 5_328_896]);
    expect(m.rss).toBe(5_263_360);
  });

  it('a 4 MiB block is mmapped and returned at once; freeing it raises the mmap threshold, so the next one stays', () => {
    const m = new GlibcMalloc();
    const seen: number[][] = [];
    for (let k = 0; k < 3; k++) {
      const h = m.malloc(4 * MiB + 1);
      const held = m.rss;
      m.free(h);
      seen.push([held, m.rss]);
    }
    // 4 MiB + 1 byte + header, in pages: 4,198,400 bytes.
    expect(seen).toEqual([
      [4_198_400, 0],
      [4_198_400, 4_198_400],
      [4_198_400, 4_198_400],
    ]);
    expect(m.mmapThreshold).toBe(4_198_400);
    expect(m.trimThreshold).toBe(2 * 4_198_400);
    expect(m.unmaps).toBe(1);
    expect(m.trims).toBe(0);
    expect(m.rss % PAGE_SIZE).toBe(0);
  });

  it('CPython agrees: bytearray(4 MiB) freed three times returns its memory the first time only', () => {
    const script = [
      'def rss(): return int(open("/proc/self/statm").read().split()[1]) * 4096',
      'base = rss()',
      'for k in range(3):',
      '    b = bytearray(4 * 1024 * 1024); held = rss() - base; del b',
      '    print(held // 1024, (rss() - base) // 1024)',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const rows = run.stdout.trim().split('\n').map((l) => l.split(' ').map(Number));
    // Measured on 3.11: 4100 0 / 4088 4088 / 4088 4088 (KiB). The model's first row is 4,100 KiB held.
    expect(rows[0]![0]).toBeGreaterThanOrEqual(4_198_400 / 1024);
    expect(rows[0]![0]).toBeLessThan(4_198_400 / 1024 + 64);
    expect(rows[0]![1]).toBeLessThan(64);
    expect(rows[1]![1]).toBeGreaterThan(4000);
    expect(rows[2]![1]).toBeGreaterThan(4000);
  });
});
