// The C library's malloc (glibc 2.3x `malloc/malloc.c`, the main arena of a 64-bit Linux process),
// reduced to what decides resident memory when CPython hands it the blocks pymalloc does not serve
// (over 512 bytes): where a chunk lies in the heap, whether freeing it can shrink the heap, and which
// chunks are mmapped on their own.
//
//   - A request becomes a chunk of `request2size` bytes (8 bytes of header, 16-byte aligned, 32 at
//     least). `malloc` takes it from the tcache (an exact size freed recently), else the best-fitting
//     free chunk (split), else the top of the heap. Only when none of those can serve it does
//     `sysmalloc` either mmap it on its own (when it is at least the mmap threshold) or extend the
//     heap with brk (by the request plus M_TOP_PAD).
//   - `free` of an mmapped chunk unmaps it: its pages leave RSS at once. And the threshold rises to
//     its size (up to 32 MiB), the trim threshold to twice that (M_MMAP_THRESHOLD's dynamic
//     adjustment): a size the program frees is taken to be a transient one, served from the heap
//     from then on.
//   - `free` of a heap chunk of at most 1,032 usable bytes puts it in the tcache (7 per size), where
//     it stays in use as far as the heap is concerned. Any other goes back to the heap, merged with
//     free neighbours; merged into the top, and the top larger than the trim threshold (128 KiB at
//     first), the heap shrinks by what exceeds M_TOP_PAD (systrim). Nothing else is returned: a free
//     chunk below an allocated one stays resident (glibc never madvises it away on its own).
//
// So deleting many 1 KiB bytearrays returns nothing to the OS (the last ones freed sit in the tcache
// at the heap's top), while deleting one 4 MiB buffer (mmapped) returns it at once.

/** The heap grows and shrinks in pages. */
export const PAGE_SIZE = 4096;
/** Bytes of a chunk's size field. */
export const SIZE_SZ = 8;
/** Chunks are multiples of this, at least MINSIZE. */
export const MALLOC_ALIGNMENT = 16;
export const MINSIZE = 32;
/** M_MMAP_THRESHOLD at start (DEFAULT_MMAP_THRESHOLD_MIN) and the most it rises to (4 MiB × sizeof(long)). */
export const DEFAULT_MMAP_THRESHOLD = 128 * 1024;
export const DEFAULT_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024;
/** M_TRIM_THRESHOLD at start. */
export const DEFAULT_TRIM_THRESHOLD = 128 * 1024;
/** M_TOP_PAD: extra bytes brk asks for, and the free top a trim leaves (mallopt(3): 128 KiB). */
export const DEFAULT_TOP_PAD = 128 * 1024;
/** The largest chunk the tcache holds (tcache_max_bytes 1,032 usable bytes), and how many per size. */
export const TCACHE_MAX_CHUNK = 1040;
export const TCACHE_COUNT = 7;
/** A free merged chunk at least this large makes free() look at the top (FASTBIN_CONSOLIDATION_THRESHOLD). */
export const CONSOLIDATION_THRESHOLD = 64 * 1024;

/** request2size: the chunk a request of `bytes` takes. */
export function chunkSize(bytes: number): number {
  return Math.max(MINSIZE, (bytes + SIZE_SZ + MALLOC_ALIGNMENT - 1) & ~(MALLOC_ALIGNMENT - 1));
}

const alignUp = (n: number, to: number): number => Math.ceil(n / to) * to;
const alignDown = (n: number, to: number): number => Math.floor(n / to) * to;

const enum State {
  Unused,
  InUse,
  Free,
  Tcache,
  Mmapped,
}

/** The main arena: chunks by handle (typed arrays), free chunks by address, the tcache by size. */
export class GlibcMalloc {
  private addr = new Float64Array(64);
  private size = new Float64Array(64);
  private state = new Uint8Array(64);
  private readonly spare: number[] = [];
  private handles = 0;

  /** Free chunks by their first and their end address, and by size (best fit). */
  private readonly freeAt = new Map<number, number>();
  private readonly freeEnding = new Map<number, number>();
  private readonly freeBySize = new Map<number, Set<number>>();
  /** The sizes that have free chunks, ascending. */
  private readonly freeSizes: number[] = [];
  private readonly tcache = new Map<number, number[]>();

  /** Where the top chunk starts, and the heap's end (brk). */
  private top = 0;
  private brk = 0;
  /** The highest heap address written since the last trim: the heap's resident part. */
  private touched = 0;
  /** Bytes of mmapped chunks (each wholly resident: CPython writes its buffers). */
  mmappedBytes = 0;
  mmapThreshold = DEFAULT_MMAP_THRESHOLD;
  trimThreshold = DEFAULT_TRIM_THRESHOLD;
  /** Times the heap was shrunk, and chunks unmapped: what went back to the OS. */
  trims = 0;
  unmaps = 0;

  /** Resident bytes: the heap's touched pages and the mmapped chunks. */
  get rss(): number {
    return alignUp(this.touched, PAGE_SIZE) + this.mmappedBytes;
  }

  /** The heap's size (mallinfo's `arena`). */
  get heapBytes(): number {
    return this.brk;
  }

  /** malloc(bytes): a handle for the chunk. */
  malloc(bytes: number): number {
    const nb = chunkSize(bytes);
    if (nb <= TCACHE_MAX_CHUNK) {
      const cached = this.tcache.get(nb);
      if (cached !== undefined && cached.length > 0) {
        const h = cached.pop()!;
        this.state[h] = State.InUse;
        return h;
      }
    }
    return this.intMalloc(nb);
  }

  /** free(handle). */
  free(h: number): void {
    const size = this.size[h]!;
    if (this.state[h] === State.Mmapped) {
      this.mmappedBytes -= size;
      this.unmaps++;
      if (size > this.mmapThreshold && size <= DEFAULT_MMAP_THRESHOLD_MAX) {
        this.mmapThreshold = size;
        this.trimThreshold = 2 * size;
      }
      this.release(h);
      return;
    }
    if (size <= TCACHE_MAX_CHUNK) {
      let cached = this.tcache.get(size);
      if (cached === undefined) this.tcache.set(size, (cached = []));
      if (cached.length < TCACHE_COUNT) {
        cached.push(h);
        this.state[h] = State.Tcache;
        return;
      }
    }
    this.intFree(this.addr[h]!, size);
    this.release(h);
  }

  /** realloc(handle, bytes): the handle of the chunk that now holds the data (the same one when it
   * could stay or grow in place). */
  realloc(h: number, bytes: number): number {
    const nb = chunkSize(bytes);
    const old = this.size[h]!;
    if (this.state[h] === State.Mmapped) {
      // mremap_chunk: the mapping takes the new page-rounded size, wherever it is.
      const size = alignUp(nb + SIZE_SZ, PAGE_SIZE);
      this.mmappedBytes += size - old;
      this.size[h] = size;
      return h;
    }
    const at = this.addr[h]!;
    if (nb <= old) {
      if (old - nb >= MINSIZE) {
        this.size[h] = nb;
        this.freeRemainder(at + nb, old - nb);
      }
      return h;
    }
    const next = at + old;
    if (next === this.top && this.brk - this.top >= nb - old + MINSIZE) {
      this.top += nb - old;
      this.size[h] = nb;
      this.touch(this.top);
      return h;
    }
    const nextFree = this.freeAt.get(next);
    if (nextFree !== undefined && old + this.size[nextFree]! >= nb) {
      const merged = old + this.size[nextFree]!;
      this.unlinkFree(nextFree);
      this.release(nextFree);
      this.size[h] = nb;
      if (merged - nb >= MINSIZE) this.freeRemainder(at + nb, merged - nb);
      else this.size[h] = merged;
      return h;
    }
    const moved = this.intMalloc(nb);
    this.free(h);
    return moved;
  }

  // ---------------------------------------------------------------------------------------------

  /** _int_malloc: the best-fitting free chunk, else the top, else sysmalloc. */
  private intMalloc(nb: number): number {
    const fit = this.bestFit(nb);
    if (fit !== undefined) {
      this.unlinkFree(fit);
      const size = this.size[fit]!;
      if (size - nb >= MINSIZE) {
        this.size[fit] = nb;
        this.linkFree(this.newHandle(this.addr[fit]! + nb, size - nb, State.Free));
      }
      this.state[fit] = State.InUse;
      return fit;
    }
    if (this.brk - this.top < nb + MINSIZE) {
      if (nb >= this.mmapThreshold) {
        const size = alignUp(nb + SIZE_SZ, PAGE_SIZE);
        this.mmappedBytes += size;
        return this.newHandle(-1, size, State.Mmapped);
      }
      // sbrk: enough for the chunk and a top chunk after it, plus M_TOP_PAD, in whole pages.
      this.brk = alignUp(this.top + nb + MINSIZE + DEFAULT_TOP_PAD, PAGE_SIZE);
    }
    const h = this.newHandle(this.top, nb, State.InUse);
    this.top += nb;
    // The new top chunk's size field is written just past the chunk.
    this.touch(this.top + SIZE_SZ);
    return h;
  }

  /** _int_free of a heap chunk: merged with its free neighbours, into the top if it borders it. */
  private intFree(at: number, size: number): void {
    let start = at;
    let end = at + size;
    const before = this.freeEnding.get(start);
    if (before !== undefined) {
      start = this.addr[before]!;
      this.unlinkFree(before);
      this.release(before);
    }
    const after = this.freeAt.get(end);
    if (after !== undefined) {
      end += this.size[after]!;
      this.unlinkFree(after);
      this.release(after);
    }
    if (end === this.top) {
      this.top = start;
      if (this.brk - start >= CONSOLIDATION_THRESHOLD) this.maybeTrim();
      return;
    }
    this.linkFree(this.newHandle(start, end - start, State.Free));
  }

  /** A split-off remainder is freed as _int_free frees any chunk (the tcache first). */
  private freeRemainder(at: number, size: number): void {
    const h = this.newHandle(at, size, State.InUse);
    this.free(h);
  }

  /** systrim: a top larger than the trim threshold gives back what exceeds M_TOP_PAD, in pages. */
  private maybeTrim(): void {
    const topSize = this.brk - this.top;
    if (topSize < this.trimThreshold) return;
    const extra = alignDown(topSize - MINSIZE - 1 - DEFAULT_TOP_PAD, PAGE_SIZE);
    if (extra <= 0) return;
    this.brk -= extra;
    this.touched = Math.min(this.touched, this.brk);
    this.trims++;
  }

  private touch(address: number): void {
    if (address > this.touched) this.touched = Math.min(address, this.brk);
  }

  private bestFit(nb: number): number | undefined {
    const sizes = this.freeSizes;
    let lo = 0;
    let hi = sizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sizes[mid]! < nb) lo = mid + 1;
      else hi = mid;
    }
    if (lo === sizes.length) return undefined;
    // Of equal sizes, the lowest address (glibc's bins are FIFO; either keeps the heap compact).
    let best: number | undefined;
    for (const h of this.freeBySize.get(sizes[lo]!)!) if (best === undefined || this.addr[h]! < this.addr[best]!) best = h;
    return best;
  }

  private linkFree(h: number): void {
    const size = this.size[h]!;
    this.freeAt.set(this.addr[h]!, h);
    this.freeEnding.set(this.addr[h]! + size, h);
    let same = this.freeBySize.get(size);
    if (same === undefined) {
      this.freeBySize.set(size, (same = new Set()));
      const sizes = this.freeSizes;
      let i = sizes.length;
      while (i > 0 && sizes[i - 1]! > size) i--;
      sizes.splice(i, 0, size);
    }
    same.add(h);
    this.state[h] = State.Free;
  }

  private unlinkFree(h: number): void {
    const size = this.size[h]!;
    this.freeAt.delete(this.addr[h]!);
    this.freeEnding.delete(this.addr[h]! + size);
    const same = this.freeBySize.get(size)!;
    same.delete(h);
    if (same.size === 0) {
      this.freeBySize.delete(size);
      const sizes = this.freeSizes;
      sizes.splice(sizes.indexOf(size), 1);
    }
  }

  private newHandle(at: number, size: number, state: State): number {
    let h = this.spare.pop();
    if (h === undefined) {
      h = this.handles++;
      if (h >= this.state.length) {
        const n = this.state.length * 2;
        const addr = new Float64Array(n);
        addr.set(this.addr);
        this.addr = addr;
        const sizes = new Float64Array(n);
        sizes.set(this.size);
        this.size = sizes;
        const states = new Uint8Array(n);
        states.set(this.state);
        this.state = states;
      }
    }
    this.addr[h] = at;
    this.size[h] = size;
    this.state[h] = state;
    return h;
  }

  private release(h: number): void {
    this.state[h] = State.Unused;
    this.spare.push(h);
  }
}
