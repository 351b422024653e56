// CPython's small-object allocator (`Objects/obmalloc.c`, 3.11–3.13 on 64-bit Linux), reduced to
// what decides resident memory: which pool a block goes to, when a pool empties, when an arena
// goes back to the OS. Block addresses inside a pool never matter for that, so a pool is a count.
//
// Requests of 1–512 bytes are rounded up to a 16-byte size class and served from a pool of that
// class; pools are 16 KiB pieces of 1 MiB arenas (USE_LARGE_ARENAS / USE_LARGE_POOLS, set on 64-bit
// builds with the radix tree — `sys._debugmallocstats()` prints these sizes on 3.11, 3.12 and 3.13
// alike). Everything else goes to the C library's malloc, modelled in ./glibc.ts: its freed chunks
// mostly stay in the process.
//
// An object is the blocks CPython allocates for it: one for most, two for a container or a
// bytearray, whose items, table or payload live in a block of their own (list's ob_item, a dict's
// keys, a set's table when it outgrows the smalltable, a bytearray's ob_bytes) — so a 1 KiB
// bytearray is a 56-byte pymalloc block and a 1,025-byte malloc() (heap/layout.ts `bufferBytes`).
//
// The names below are obmalloc.c's: `usedpools` (per size class, the pools with free blocks),
// `usable_arenas` (arenas with free pools, sorted by `nfreepools` ascending so that allocation fills
// the fullest arena and the emptiest can drain), `nfp2lasta` (the rightmost arena with each count,
// which makes the re-sort O(1)), `freepools` (an arena's emptied pools, LIFO).
import type { VersionModel } from '../cpython/versions.js';
import type { MemoryModel } from '../heap/heap.js';
import { bufferBytes } from '../heap/layout.js';
import type { PyObject } from '../heap/object.js';
import { GlibcMalloc } from './glibc.js';

export const ALIGNMENT = 16;
export const SMALL_REQUEST_THRESHOLD = 512;
export const NB_SMALL_SIZE_CLASSES = SMALL_REQUEST_THRESHOLD / ALIGNMENT;
export const POOL_SIZE = 16 * 1024;
export const ARENA_SIZE = 1024 * 1024;
/** sizeof(struct pool_header) rounded up to ALIGNMENT. */
export const POOL_OVERHEAD = 48;
export const MAX_POOLS_IN_ARENA = ARENA_SIZE / POOL_SIZE;
/**
 * Pools an arena really holds. The arena comes from mmap, which aligns to 4 KiB pages only; when the
 * address is not a multiple of POOL_SIZE obmalloc skips to the next pool boundary and loses one pool
 * ("bytes lost to arena alignment"). That happens with probability 3/4 per arena, so 63 is the
 * likely count; a caller can pass 64 to model aligned arenas.
 */
export const DEFAULT_POOLS_PER_ARENA = MAX_POOLS_IN_ARENA - 1;

/** `PyObject.block` values at or below this are blocks from the C library's malloc (larger than 512
 * bytes, or 0 bytes): RAW_BLOCK - the chunk's handle in GlibcMalloc. */
export const RAW_BLOCK = -2;
const NONE = -1;

/** Whether a block came from the C library's malloc. */
function isRawBlock(block: number): boolean {
  return block <= RAW_BLOCK;
}

/** Size of the blocks of size class `szidx` (INDEX2SIZE). */
export function classSize(szidx: number): number {
  return (szidx + 1) * ALIGNMENT;
}

/** The size class of a request, or -1 when malloc serves it (pymalloc_alloc's first test). */
export function sizeClass(nbytes: number): number {
  if (nbytes <= 0 || nbytes > SMALL_REQUEST_THRESHOLD) return NONE;
  return (nbytes - 1) >> 4;
}

/** Blocks in one pool of size class `szidx`. */
export function blocksPerPool(szidx: number): number {
  return Math.floor((POOL_SIZE - POOL_OVERHEAD) / classSize(szidx));
}

const CAPACITY = Int32Array.from({ length: NB_SMALL_SIZE_CLASSES }, (_, i) => blocksPerPool(i));

/** The counters `sys._debugmallocstats()` prints about arenas. */
export interface ArenaStats {
  arenasAllocatedTotal: number;
  arenasReclaimed: number;
  arenasHighwater: number;
  arenasAllocatedCurrent: number;
}

export class Pymalloc implements MemoryModel {
  // Arenas, by arena_object slot. Pool p lives in arena floor(p / MAX_POOLS_IN_ARENA).
  private arenaInUse = new Uint8Array(16);
  private nfreepools = new Int32Array(16);
  private ntotalpools = new Int32Array(16);
  /** Pools carved so far (pool_address - first pool): the arena's touched, resident part. */
  private carvedPools = new Int32Array(16);
  /** Head of the arena's emptied pools (linked through poolNext), or NONE. */
  private freepools = new Int32Array(16);
  private nextarena = new Int32Array(16);
  private prevarena = new Int32Array(16);
  private readonly unusedArenaObjects: number[] = [];
  private maxarenas = 0;
  private usableArenas = NONE;
  private readonly nfp2lasta = new Int32Array(MAX_POOLS_IN_ARENA + 1).fill(NONE);

  // Pools: their size class, blocks in use, and the links of usedpools (or of an arena's freepools).
  private szidx = new Int8Array(16 * MAX_POOLS_IN_ARENA);
  private count = new Int32Array(16 * MAX_POOLS_IN_ARENA);
  private poolNext = new Int32Array(16 * MAX_POOLS_IN_ARENA);
  private poolPrev = new Int32Array(16 * MAX_POOLS_IN_ARENA);
  /** Per size class, the first pool with a free block (the front of usedpools), or NONE. */
  private readonly usedpools = new Int32Array(NB_SMALL_SIZE_CLASSES).fill(NONE);

  private residentPools = 0;
  /** Bytes requested in blocks from the C library's malloc, in use. */
  rawBytes = 0;
  /** The C library's malloc, which serves those. */
  readonly libc = new GlibcMalloc();
  /** The second block of the objects that have one (see above), by object. */
  private readonly buffers = new Map<PyObject, number>();
  /** Bytes of the pymalloc blocks in use, size classes rounded. */
  blockBytes = 0;
  readonly stats: ArenaStats = { arenasAllocatedTotal: 0, arenasReclaimed: 0, arenasHighwater: 0, arenasAllocatedCurrent: 0 };
  /** Highest `rss` so far. */
  peakRss = 0;

  constructor(
    private readonly poolsPerArena = DEFAULT_POOLS_PER_ARENA,
    /** The version whose object layouts split an object into blocks; without one, an object is one block. */
    private readonly version: VersionModel | null = null,
  ) {
    if (poolsPerArena < 1 || poolsPerArena > MAX_POOLS_IN_ARENA) throw new RangeError(`an arena holds 1 to ${MAX_POOLS_IN_ARENA} pools`);
  }

  /** Resident memory: the pools carved in live arenas (a pool is touched when first used and stays
   * resident until its arena is unmapped) plus what the C library's malloc holds (./glibc.ts). */
  get rss(): number {
    return this.residentPools * POOL_SIZE + this.libc.rss;
  }

  /** Memory mapped for arenas, touched or not (what `_debugmallocstats` calls arena bytes). */
  get arenaBytes(): number {
    return this.stats.arenasAllocatedCurrent * ARENA_SIZE;
  }

  // ---------------------------------------------------------------------------------------------
  // The MemoryModel hooks: an object is one block, or two (see above and docs/performance.md).

  allocate(obj: PyObject): void {
    const buffer = this.version === null ? 0 : bufferBytes(obj, this.version);
    obj.block = this.malloc(obj.size - buffer);
    if (buffer > 0) this.buffers.set(obj, this.malloc(buffer));
  }

  /** A container's growth (or a bytearray's) is its buffer's realloc; any other object's, its block's. */
  resize(obj: PyObject, oldSize: number): void {
    const v = this.version;
    const buffer = v === null ? 0 : bufferBytes(obj, v);
    const oldBlock = this.buffers.get(obj);
    if (buffer === 0 && oldBlock === undefined) {
      obj.block = this.realloc(obj.block, oldSize, obj.size);
      return;
    }
    const header = obj.size - buffer;
    const oldBuffer = oldSize - header;
    if (oldBlock === undefined) this.buffers.set(obj, this.malloc(buffer));
    else if (buffer === 0) {
      this.release(oldBlock, oldBuffer);
      this.buffers.delete(obj);
    } else this.buffers.set(obj, this.realloc(oldBlock, oldBuffer, buffer));
  }

  free(obj: PyObject): void {
    const buffer = this.buffers.get(obj);
    if (buffer !== undefined) {
      const bytes = bufferBytes(obj, this.version!);
      this.release(buffer, bytes);
      this.buffers.delete(obj);
      this.release(obj.block, obj.size - bytes);
    } else {
      this.release(obj.block, obj.size);
    }
    obj.block = NONE;
  }

  // ---------------------------------------------------------------------------------------------
  // The allocator

  /** _PyObject_Malloc: returns the pool that got the block, or RAW_BLOCK. */
  malloc(nbytes: number): number {
    const size = sizeClass(nbytes);
    if (size === NONE) {
      this.rawBytes += nbytes;
      const chunk = this.libc.malloc(nbytes);
      this.notePeak();
      return RAW_BLOCK - chunk;
    }
    this.blockBytes += classSize(size);
    let pool = this.usedpools[size]!;
    if (pool !== NONE) {
      // pymalloc_pool_extend / the freeblock list: the pool at the front serves; a full pool leaves.
      if (++this.count[pool]! === CAPACITY[size]) this.unlinkUsed(pool);
      return pool;
    }
    pool = this.allocateFromNewPool(size);
    this.notePeak();
    return pool;
  }

  /** _PyObject_Free of a block `malloc` placed in `block` (its request was `nbytes`). */
  release(block: number, nbytes: number): void {
    if (block === NONE) return;
    if (isRawBlock(block)) {
      this.rawBytes -= nbytes;
      this.libc.free(RAW_BLOCK - block);
      return;
    }
    const size = this.szidx[block]!;
    this.blockBytes -= classSize(size);
    const wasFull = this.count[block] === CAPACITY[size];
    const left = --this.count[block]!;
    if (wasFull) {
      // The pool was full, so not in usedpools: it goes to the front of its class's list.
      this.linkUsedFront(block, size);
      return;
    }
    if (left > 0) return;
    this.unlinkUsed(block);
    this.insertToFreepool(block);
  }

  /** _PyObject_Realloc: a pymalloc block stays when the new size fits its class and shrinks by less
   * than a quarter; otherwise a new block is taken before the old one is freed. A malloc'd block
   * stays with malloc (realloc never moves it into a pool). */
  realloc(block: number, oldSize: number, newSize: number): number {
    if (isRawBlock(block) || block === NONE) {
      if (block === NONE) return this.malloc(newSize);
      this.rawBytes += newSize - oldSize;
      const chunk = this.libc.realloc(RAW_BLOCK - block, newSize);
      this.notePeak();
      return RAW_BLOCK - chunk;
    }
    const size = classSize(this.szidx[block]!);
    if (newSize <= size && 4 * newSize > 3 * size) return block;
    const moved = this.malloc(newSize);
    this.release(block, oldSize);
    return moved;
  }

  private notePeak(): void {
    const rss = this.residentPools * POOL_SIZE + this.libc.rss;
    if (rss > this.peakRss) this.peakRss = rss;
  }

  private allocateFromNewPool(size: number): number {
    if (this.usableArenas === NONE) {
      const a = this.newArena();
      this.usableArenas = a;
      this.nextarena[a] = NONE;
      this.prevarena[a] = NONE;
      this.nfp2lasta[this.nfreepools[a]!] = a;
    }
    const a = this.usableArenas;
    const nf = this.nfreepools[a]!;
    // The head has the fewest free pools; taking one keeps it the smallest.
    if (this.nfp2lasta[nf] === a) this.nfp2lasta[nf] = NONE;
    if (nf > 1) this.nfp2lasta[nf - 1] = a;
    let pool = this.freepools[a]!;
    if (pool !== NONE) {
      this.freepools[a] = this.poolNext[pool]!;
    } else {
      pool = a * MAX_POOLS_IN_ARENA + this.carvedPools[a]!;
      this.carvedPools[a]!++;
      this.residentPools++;
    }
    if (--this.nfreepools[a]! === 0) {
      const next = this.nextarena[a]!;
      this.usableArenas = next;
      if (next !== NONE) this.prevarena[next] = NONE;
      this.nextarena[a] = NONE;
    }
    this.szidx[pool] = size;
    this.count[pool] = 1;
    this.linkUsedFront(pool, size);
    return pool;
  }

  private newArena(): number {
    if (this.unusedArenaObjects.length === 0) this.growArenaObjects();
    const a = this.unusedArenaObjects.pop()!;
    this.arenaInUse[a] = 1;
    this.ntotalpools[a] = this.poolsPerArena;
    this.nfreepools[a] = this.poolsPerArena;
    this.carvedPools[a] = 0;
    this.freepools[a] = NONE;
    const stats = this.stats;
    stats.arenasAllocatedTotal++;
    stats.arenasAllocatedCurrent++;
    if (stats.arenasAllocatedCurrent > stats.arenasHighwater) stats.arenasHighwater = stats.arenasAllocatedCurrent;
    return a;
  }

  /** new_arena doubles the arena_object table (16 to start) and offers the new slots lowest first. */
  private growArenaObjects(): void {
    const old = this.maxarenas;
    const n = old === 0 ? 16 : old * 2;
    if (n > this.arenaInUse.length) {
      this.arenaInUse = grow(this.arenaInUse, n);
      this.nfreepools = grow(this.nfreepools, n);
      this.ntotalpools = grow(this.ntotalpools, n);
      this.carvedPools = grow(this.carvedPools, n);
      this.freepools = grow(this.freepools, n);
      this.nextarena = grow(this.nextarena, n);
      this.prevarena = grow(this.prevarena, n);
      const pools = n * MAX_POOLS_IN_ARENA;
      this.szidx = grow(this.szidx, pools);
      this.count = grow(this.count, pools);
      this.poolNext = grow(this.poolNext, pools);
      this.poolPrev = grow(this.poolPrev, pools);
    }
    for (let a = n - 1; a >= old; a--) this.unusedArenaObjects.push(a);
    this.maxarenas = n;
  }

  private linkUsedFront(pool: number, size: number): void {
    const head = this.usedpools[size]!;
    this.poolPrev[pool] = NONE;
    this.poolNext[pool] = head;
    if (head !== NONE) this.poolPrev[head] = pool;
    this.usedpools[size] = pool;
  }

  private unlinkUsed(pool: number): void {
    const next = this.poolNext[pool]!;
    const prev = this.poolPrev[pool]!;
    if (prev === NONE) this.usedpools[this.szidx[pool]!] = next;
    else this.poolNext[prev] = next;
    if (next !== NONE) this.poolPrev[next] = prev;
  }

  /** The pool emptied: it joins its arena's freepools, and the arena is freed, re-enters
   * usable_arenas, or slides right to keep the list sorted. */
  private insertToFreepool(pool: number): void {
    const a = Math.floor(pool / MAX_POOLS_IN_ARENA);
    this.poolNext[pool] = this.freepools[a]!;
    this.freepools[a] = pool;
    let nf = this.nfreepools[a]!;
    const lastnf = this.nfp2lasta[nf]!;
    if (lastnf === a) {
      const p = this.prevarena[a]!;
      this.nfp2lasta[nf] = p !== NONE && this.nfreepools[p] === nf ? p : NONE;
    }
    this.nfreepools[a] = ++nf;

    // Case 1: every pool is free. The arena goes back to the OS unless it is the last of
    // usable_arenas: one wholly free arena is kept so a loop does not map and unmap one each
    // iteration (bpo-37257).
    if (nf === this.ntotalpools[a] && this.nextarena[a] !== NONE) {
      const prev = this.prevarena[a]!;
      const next = this.nextarena[a]!;
      if (prev === NONE) this.usableArenas = next;
      else this.nextarena[prev] = next;
      this.prevarena[next] = prev;
      this.arenaInUse[a] = 0;
      this.residentPools -= this.carvedPools[a]!;
      this.carvedPools[a] = 0;
      this.unusedArenaObjects.push(a);
      this.stats.arenasAllocatedCurrent--;
      this.stats.arenasReclaimed++;
      return;
    }
    // Case 2: the arena was full; with one free pool it has the fewest, so it goes first.
    if (nf === 1) {
      this.nextarena[a] = this.usableArenas;
      this.prevarena[a] = NONE;
      if (this.usableArenas !== NONE) this.prevarena[this.usableArenas] = a;
      this.usableArenas = a;
      if (this.nfp2lasta[1] === NONE) this.nfp2lasta[1] = a;
      return;
    }
    // Case 3: move right past the arenas that still have nf - 1 free pools.
    if (this.nfp2lasta[nf] === NONE) this.nfp2lasta[nf] = a;
    if (a === lastnf) return;
    const prev = this.prevarena[a]!;
    const next = this.nextarena[a]!;
    if (prev !== NONE) this.nextarena[prev] = next;
    else this.usableArenas = next;
    this.prevarena[next] = prev;
    this.prevarena[a] = lastnf;
    this.nextarena[a] = this.nextarena[lastnf]!;
    if (this.nextarena[a] !== NONE) this.prevarena[this.nextarena[a]!] = a;
    this.nextarena[lastnf] = a;
  }
}

function grow<T extends Int32Array | Int8Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
