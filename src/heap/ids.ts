// Workload ids: every id a trace ever used, mapped to its live object's handle or to the event that
// freed it. A trace of millions of events uses millions of ids, so the table keeps no strings: each
// id is a 63-bit hash in an open-addressing table of typed arrays (12 bytes per slot). The heap
// confirms a live id against its object's own id string; a freed id is known by its hash alone, so
// two ids would be confused only if their 63-bit hashes were equal (a chance of about 5 in a million
// for a trace of ten million ids).

/** What `IdTable.find` returns for an id never seen. */
export const UNKNOWN = -1;

const INITIAL_CAPACITY = 1 << 10;
/** Grow when more than 3/4 of the slots are used (linear probing stays short below that). */
const MAX_LOAD_NUMERATOR = 3;
const MAX_LOAD_SHIFT = 2;

export class IdTable {
  // Slot i is table[3i .. 3i+2]: the hash's high and low words and the value, side by side so that
  // a probe touches one cache line. A slot is empty when its low word is 0 (hashes set its low bit).
  // The value is a live object's handle (≥ 0), or freedValue(event) for an id freed at that event.
  private table = new Int32Array(3 * INITIAL_CAPACITY);
  private capacity = INITIAL_CAPACITY;
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
    const at = this.slotOf(id);
    return this.table[at + 1] === 0 ? UNKNOWN : this.table[at + 2]!;
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
    const at = this.slotOf(id);
    const table = this.table;
    if (table[at + 1] === 0) {
      table[at] = this.lastHi;
      table[at + 1] = this.lastLo;
      this.used++;
    }
    table[at + 2] = value;
    if (this.used > (this.capacity * MAX_LOAD_NUMERATOR) >>> MAX_LOAD_SHIFT) this.grow();
  }

  /** Where the id's slot starts in the table, or the empty slot where it would go. */
  private slotOf(id: string): number {
    if (id !== this.lastId) this.hash(id);
    return this.probe(this.table, this.capacity - 1, this.lastHi, this.lastLo);
  }

  /** Linear probing from the hash's home slot to its own slot or the first empty one. */
  private probe(table: Int32Array, mask: number, hi: number, lo: number): number {
    let slot = (hi ^ (lo >>> 7)) & mask;
    for (;;) {
      const at = 3 * slot;
      const l = table[at + 1]!;
      if (l === 0 || (l === lo && table[at] === hi)) return at;
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
    const old = this.table;
    this.capacity *= 2;
    this.table = new Int32Array(3 * this.capacity);
    const mask = this.capacity - 1;
    for (let from = 0; from < old.length; from += 3) {
      const lo = old[from + 1]!;
      if (lo === 0) continue;
      const at = this.probe(this.table, mask, old[from]!, lo);
      this.table[at] = old[from]!;
      this.table[at + 1] = lo;
      this.table[at + 2] = old[from + 2]!;
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
