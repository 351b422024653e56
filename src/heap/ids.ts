// Workload ids: every id a trace ever used, mapped to its live object's handle or to the event that
// freed it. A trace of millions of events uses millions of ids, so the table keeps no strings: each
// id is a 63-bit hash in an open-addressing table of typed arrays (12 bytes per slot). A live id is
// confirmed against its object's own id string; a freed id is known by its hash alone, so two ids
// would be confused only if their 63-bit hashes were equal (about 1 in 10^6 for a trace of ten
// million ids).

/** What `IdTable.find` returns for an id never seen. */
export const UNKNOWN = -1;

const INITIAL_CAPACITY = 1 << 10;
/** Grow when more than 3/4 of the slots are used (linear probing stays short below that). */
const MAX_LOAD_NUMERATOR = 3;
const MAX_LOAD_SHIFT = 2;

export class IdTable {
  // A slot is empty when both key words are 0; hashLo always has its low bit set.
  private hashHi = new Int32Array(INITIAL_CAPACITY);
  private hashLo = new Int32Array(INITIAL_CAPACITY);
  /** A live object's handle (≥ 0), or -2 - event for an id freed at that event. */
  private values = new Int32Array(INITIAL_CAPACITY);
  private used = 0;
  // The last id hashed, so that a find followed by a set of the same id hashes once.
  private lastId: string | null = null;
  private lastHi = 0;
  private lastLo = 0;

  get size(): number {
    return this.used;
  }

  /** The handle of the live object with this id, `freedValue(event)` if freed, or UNKNOWN. */
  find(id: string): number {
    const slot = this.slotOf(id);
    return this.hashLo[slot] === 0 ? UNKNOWN : this.values[slot]!;
  }

  /** The id now names the live object with this handle. */
  setLive(id: string, handle: number): void {
    this.store(id, handle);
  }

  /** The id's object was freed at this event; the id stays taken. */
  setFreed(id: string, event: number): void {
    this.store(id, freedValue(event));
  }

  private store(id: string, value: number): void {
    const slot = this.slotOf(id);
    if (this.hashLo[slot] === 0) {
      this.hashHi[slot] = this.lastHi;
      this.hashLo[slot] = this.lastLo;
      this.used++;
    }
    this.values[slot] = value;
    if (this.used > (this.values.length * MAX_LOAD_NUMERATOR) >>> MAX_LOAD_SHIFT) this.grow();
  }

  /** The slot holding the id's hash, or the empty slot where it would go. */
  private slotOf(id: string): number {
    if (id !== this.lastId) this.hash(id);
    const mask = this.values.length - 1;
    const hi = this.lastHi;
    const lo = this.lastLo;
    let slot = (hi ^ (lo >>> 7)) & mask;
    for (;;) {
      const l = this.hashLo[slot]!;
      if (l === 0 || (l === lo && this.hashHi[slot] === hi)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** Two independent 32-bit string hashes (FNV-1a and a multiplicative one, each with murmur3's
   * finaliser) make the 64-bit key. */
  private hash(id: string): void {
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ id.length;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
    }
    this.lastId = id;
    this.lastHi = fmix32(a);
    this.lastLo = fmix32(b) | 1;
  }

  private grow(): void {
    const { hashHi, hashLo, values } = this;
    const capacity = values.length * 2;
    const mask = capacity - 1;
    this.hashHi = new Int32Array(capacity);
    this.hashLo = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
    for (let i = 0; i < values.length; i++) {
      const lo = hashLo[i]!;
      if (lo === 0) continue;
      const hi = hashHi[i]!;
      let slot = (hi ^ (lo >>> 7)) & mask;
      while (this.hashLo[slot] !== 0) slot = (slot + 1) & mask;
      this.hashHi[slot] = hi;
      this.hashLo[slot] = lo;
      this.values[slot] = values[i]!;
    }
  }
}

/** The table's value for an id freed at `event`. */
export function freedValue(event: number): number {
  return -2 - event;
}

/** The event that freed an id, from a value below UNKNOWN. */
export function freedEvent(value: number): number {
  return -2 - value;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
