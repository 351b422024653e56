// Workload ids: every id a trace ever used, mapped to its live object's handle or to the event that
// freed it. A trace of millions of events uses millions of ids, so the tables keep no strings: each
// id is a 63-bit hash in an open-addressing table of typed arrays (12 bytes per slot). The heap
// confirms a live id against its object's own id string; a freed id is known by its hash alone, so
// two ids would be confused only if their 63-bit hashes were equal (a chance of about 5 in a million
// for a trace of ten million ids).
//
// Live and freed ids have tables of their own. Events refer to live objects, and there are few of
// them next to the ids a long trace has used, so the table every reference probes stays small
// enough for the cache; the freed ids are probed only when an object is allocated or freed.

/** What `IdTable.find` returns for an id never seen. */
export const UNKNOWN = -1;

export class IdTable {
  private readonly live = new HashTable();
  private readonly freed = new HashTable();
  // The last id hashed, so that a find followed by a set of the same id hashes once.
  private lastId: string | null = null;
  private hi = 0;
  private lo = 0;

  /** Ids used so far, live or freed. */
  get size(): number {
    return this.live.size + this.freed.size;
  }

  /** The handle of the live object with this id, `freedValue(event)` if freed, or UNKNOWN. */
  find(id: string): number {
    this.hash(id);
    const handle = this.live.get(this.hi, this.lo);
    if (handle !== UNKNOWN) return handle;
    return this.freed.get(this.hi, this.lo);
  }

  /** The id now names the live object with this handle (a new id, or a live object's new handle). */
  setLive(id: string, handle: number): void {
    this.hash(id);
    this.live.set(this.hi, this.lo, handle);
  }

  /** The id's object was freed at this event; the id stays taken. */
  setFreed(id: string, event: number): void {
    this.hash(id);
    this.live.delete(this.hi, this.lo);
    this.freed.set(this.hi, this.lo, freedValue(event));
  }

  /** Two independent 32-bit string hashes (FNV-1a and a multiplicative one, each with murmur3's
   * finaliser) make the 64-bit key; the low word's low bit is always set (0 marks an empty slot). */
  private hash(id: string): void {
    if (id === this.lastId) return;
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ id.length;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
    }
    this.lastId = id;
    this.hi = fmix32(a);
    this.lo = fmix32(b) | 1;
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

const INITIAL_CAPACITY = 1 << 10;
/** Grow when more than 3/4 of the slots are used (linear probing stays short below that). */
const MAX_LOAD_NUMERATOR = 3;
const MAX_LOAD_SHIFT = 2;

/**
 * Linear probing over 64-bit keys with int values. Slot i is table[3i .. 3i+2]: the key's high and
 * low words and the value, side by side so that a probe touches one cache line. A slot is empty
 * when its low word is 0. Deletion shifts the entries after the slot back (no tombstones).
 */
class HashTable {
  private table = new Int32Array(3 * INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  size = 0;

  get(hi: number, lo: number): number {
    const at = this.probe(hi, lo);
    return this.table[at + 1] === 0 ? UNKNOWN : this.table[at + 2]!;
  }

  set(hi: number, lo: number, value: number): void {
    const table = this.table;
    const at = this.probe(hi, lo);
    if (table[at + 1] === 0) {
      table[at] = hi;
      table[at + 1] = lo;
      this.size++;
    }
    table[at + 2] = value;
    if (this.size > ((this.mask + 1) * MAX_LOAD_NUMERATOR) >>> MAX_LOAD_SHIFT) this.grow();
  }

  delete(hi: number, lo: number): void {
    const table = this.table;
    const mask = this.mask;
    let hole = this.probe(hi, lo) / 3;
    if (table[3 * hole + 1] === 0) return;
    this.size--;
    // Move back each following entry whose home slot does not lie after the hole (cyclically), so
    // that no probe meets the hole before the entry it looks for.
    for (let slot = (hole + 1) & mask; table[3 * slot + 1] !== 0; slot = (slot + 1) & mask) {
      const home = homeSlot(table[3 * slot]!, table[3 * slot + 1]!, mask);
      if (((slot - home) & mask) < ((slot - hole) & mask)) continue;
      table[3 * hole] = table[3 * slot]!;
      table[3 * hole + 1] = table[3 * slot + 1]!;
      table[3 * hole + 2] = table[3 * slot + 2]!;
      hole = slot;
    }
    table[3 * hole] = 0;
    table[3 * hole + 1] = 0;
  }

  /** Where the key's slot starts in the table, or the empty slot where it would go. */
  private probe(hi: number, lo: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let slot = homeSlot(hi, lo, mask); ; slot = (slot + 1) & mask) {
      const at = 3 * slot;
      const l = table[at + 1]!;
      if (l === 0 || (l === lo && table[at] === hi)) return at;
    }
  }

  private grow(): void {
    const old = this.table;
    this.mask = 2 * this.mask + 1;
    this.table = new Int32Array(3 * (this.mask + 1));
    for (let from = 0; from < old.length; from += 3) {
      if (old[from + 1] === 0) continue;
      const at = this.probe(old[from]!, old[from + 1]!);
      this.table[at] = old[from]!;
      this.table[at + 1] = old[from + 1]!;
      this.table[at + 2] = old[from + 2]!;
    }
  }
}

function homeSlot(hi: number, lo: number, mask: number): number {
  return (hi ^ (lo >>> 7)) & mask;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
