// Workload ids: every id a trace ever used, mapped to its live object's handle or to the event that
// freed it. A trace of millions of events uses millions of ids, so the tables keep no strings: each
// id is a 63-bit hash, stored with its value in 12 bytes. The heap confirms a live id against its
// object's own id string; a freed id is known by its hash alone, so two ids would be confused only
// if their 63-bit hashes were equal (a chance of about 5 in a million for a trace of ten million
// ids).
//
// Live and freed ids have tables of their own. Events refer to live objects, and there are few of
// them next to the ids a long trace has used, so the table every reference probes stays small
// enough for the cache; the freed ids are probed only when an object is allocated or freed, and
// are kept as densely as the table allows: 14–16 bytes per freed id, its growth included, and an
// id freed past event 2^32 − 2 names that event (a slot holds 32 bits of event).

/** What `IdTable.find` returns for an id never seen. */
export const UNKNOWN = -1;

/** The largest event a freed id remembers exactly (its slot holds 32 bits); an id freed later
 * names this event. */
export const LAST_EXACT_EVENT = 0xfffffffe;

export class IdTable {
  /** Live ids → handles: sparse enough that a probe seldom reads a second cache line. */
  private readonly live = new LiveTable();
  /** Freed ids → events: dense, since a long trace frees tens of millions. */
  private readonly freed = new HashTable(0.85, 1.13);
  // The last id hashed, so that a find followed by a set of the same id hashes once.
  private lastId: string | null = null;
  private hi = 0;
  private lo = 0;

  /** Ids used so far, live or freed. */
  get size(): number {
    return this.live.size + this.freed.size;
  }

  /** Bytes the tables hold (their slots; the small directories aside). */
  get bytes(): { live: number; freed: number } {
    return { live: this.live.bytes, freed: this.freed.bytes };
  }

  /** The handle of the live object with this id, `freedValue(event)` if freed, or UNKNOWN. */
  find(id: string): number {
    this.hash(id);
    const handle = this.live.get(this.hi, this.lo);
    if (handle !== UNKNOWN) return handle;
    const event = this.freed.get(this.hi, this.lo);
    return event === UNKNOWN ? UNKNOWN : freedValue(event);
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
    this.freed.set(this.hi, this.lo, Math.min(event, LAST_EXACT_EVENT));
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

// ---------------------------------------------------------------------------------------------
// The hash table

/** A segment splits in two once it holds more keys than this (~800 KiB of slots: growing it is a
 * pass that stays in the cache, and both copies exist only for one segment at a time). */
const MAX_SEGMENT_KEYS = 1 << 16;
const FIRST_CAPACITY = 64;
/** Slots past a segment's last home slot, where entries pushed along from the last homes go. */
const TAIL = 64;
/** 2^32, as a float. */
const TWO_32 = 4294967296;

/**
 * 64-bit keys (two int32 words, the low word odd) with non-negative int values below 2^32 − 1.
 *
 * Extendible hashing: a directory indexed by the top bits of the high word points at segments; a
 * segment that grows past MAX_SEGMENT_KEYS splits in two by the next bit, the directory doubling
 * when it must. Within a segment, a key's home slot is ⌊lo × capacity / 2^32⌋, which grows with
 * `lo`, and the entries are kept sorted by (lo, hi), each at or after its home slot: linear probing
 * in Robin Hood order. A lookup stops at the first entry greater than its key, so a full table
 * costs a short scan; growing or splitting a segment is one sequential pass over it in order, with
 * any capacity, so a segment grows by `growth` (not necessarily ×2) whenever it is fuller than
 * `maxLoad`. Deletion moves back the entries after the slot that sit past their homes.
 */
class HashTable {
  /** Directory: segment of each value of the top `depth` bits of `hi`. */
  private directory: Segment[];
  private depth = 0;
  size = 0;

  constructor(
    private readonly maxLoad: number,
    private readonly growth: number,
  ) {
    this.directory = [new Segment(FIRST_CAPACITY, 0)];
  }

  get bytes(): number {
    let bytes = 0;
    const seen = new Set<Segment>();
    for (const s of this.directory) {
      if (seen.has(s)) continue;
      seen.add(s);
      bytes += s.table.byteLength;
    }
    return bytes;
  }

  private segmentOf(hi: number): Segment {
    return this.directory[this.depth === 0 ? 0 : hi >>> (32 - this.depth)]!;
  }

  get(hi: number, lo: number): number {
    const s = this.segmentOf(hi);
    const at = s.locate(hi, lo);
    return at < 0 ? UNKNOWN : s.table[at + 2]! >>> 0;
  }

  set(hi: number, lo: number, value: number): void {
    const s = this.segmentOf(hi);
    const at = s.locate(hi, lo);
    if (at >= 0) {
      s.table[at + 2] = value;
      return;
    }
    if (!s.insertAt(~at, hi, lo, value)) {
      // No free slot after the key's place: a segment this full grows, whatever its load.
      this.grow(s, hi);
      this.set(hi, lo, value);
      return;
    }
    this.size++;
    if (s.keys > s.capacity * this.maxLoad) this.grow(s, hi);
  }

  delete(hi: number, lo: number): void {
    const s = this.segmentOf(hi);
    const at = s.locate(hi, lo);
    if (at < 0) return;
    s.remove(at);
    this.size--;
  }

  /** A fuller segment: a larger one, or two halves once it holds enough keys. */
  private grow(s: Segment, hi: number): void {
    if (s.keys < MAX_SEGMENT_KEYS) {
      this.replace(s, s.copy(Math.ceil(s.capacity * this.growth)));
      return;
    }
    if (s.depth === this.depth) {
      // Every directory entry is doubled: the new bit does not yet tell segments apart.
      const doubled = new Array<Segment>(2 * this.directory.length);
      for (let i = 0; i < this.directory.length; i++) doubled[2 * i] = doubled[2 * i + 1] = this.directory[i]!;
      this.directory = doubled;
      this.depth++;
    }
    // Keys whose next bit is 1 go to the upper half; each half starts as full as a grown segment.
    const capacity = Math.ceil((s.keys / 2) * (this.growth / this.maxLoad));
    const [low, high] = s.split(capacity);
    const shift = 32 - this.depth;
    const prefix = (hi >>> shift) >>> (this.depth - s.depth);
    const span = 1 << (this.depth - s.depth); // directory entries that point at `s`
    const first = prefix * span;
    for (let i = 0; i < span; i++) this.directory[first + i] = i < span / 2 ? low : high;
  }

  private replace(old: Segment, next: Segment): void {
    const d = this.directory;
    for (let i = 0; i < d.length; i++) if (d[i] === old) d[i] = next;
  }
}

/** One open-addressing array: slot i is table[3i .. 3i+2] (hi, lo, value); lo = 0 is empty. */
class Segment {
  readonly table: Int32Array;
  keys = 0;
  /** capacity / 2^32: a key's home slot is ⌊lo × scale⌋ (exact: lo × capacity < 2^53). */
  private readonly scale: number;

  constructor(
    /** Home slots: a key's home is in [0, capacity); TAIL more slots follow. */
    readonly capacity: number,
    /** Bits of `hi` the segment's keys share (the directory's local depth). */
    readonly depth: number,
  ) {
    this.table = new Int32Array(3 * (capacity + TAIL));
    this.scale = capacity / TWO_32;
  }

  private home(lo: number): number {
    return ((lo >>> 0) * this.scale) | 0;
  }

  /** The key's slot offset; when it is not here, ~offset of the slot it would take. */
  locate(hi: number, lo: number): number {
    const table = this.table;
    const ulo = lo >>> 0;
    const uhi = hi >>> 0;
    let at = 3 * ((ulo * this.scale) | 0);
    for (; at < table.length; at += 3) {
      const l = table[at + 1]! >>> 0;
      if (l === 0) break;
      if (l < ulo) continue;
      if (l === ulo) {
        const h = table[at]! >>> 0;
        if (h === uhi) return at;
        if (h < uhi) continue;
      }
      break; // the first key greater than this one
    }
    return ~at;
  }

  /** Puts a key that is not here at `at` (from `locate`); false when no free slot follows. */
  insertAt(at: number, hi: number, lo: number, value: number): boolean {
    const table = this.table;
    let end = at;
    while (end < table.length && table[end + 1] !== 0) end += 3;
    if (end >= table.length) return false;
    // The run from `at` moves up one slot (a short run: a loop beats a call to copyWithin).
    for (let k = end + 2; k >= at + 3; k--) table[k] = table[k - 3]!;
    table[at] = hi;
    table[at + 1] = lo;
    table[at + 2] = value;
    this.keys++;
    return true;
  }

  /** Empties the slot at `at`: the entries after it that sit past their homes move back one. */
  remove(at: number): void {
    const table = this.table;
    let hole = at;
    for (let next = at + 3; next < table.length && table[next + 1] !== 0; next += 3) {
      if (3 * this.home(table[next + 1]!) > hole) break;
      table[hole] = table[next]!;
      table[hole + 1] = table[next + 1]!;
      table[hole + 2] = table[next + 2]!;
      hole = next;
    }
    table[hole] = 0;
    table[hole + 1] = 0;
    table[hole + 2] = 0;
    this.keys--;
  }

  /** The same keys in a segment of `capacity` home slots: one pass in order. */
  copy(capacity: number): Segment {
    for (;;) {
      const next = new Segment(capacity, this.depth);
      if (this.copyInto(next, -1, 0)) return next;
      capacity = Math.ceil(capacity * 1.25); // a run of keys overflowed the tail
    }
  }

  /** The keys whose next bit of `hi` is 0 and those whose bit is 1, in two segments. */
  split(capacity: number): [Segment, Segment] {
    for (;;) {
      const low = new Segment(capacity, this.depth + 1);
      const high = new Segment(capacity, this.depth + 1);
      const bit = 31 - this.depth;
      if (this.copyInto(low, bit, 0) && this.copyInto(high, bit, 1)) return [low, high];
      capacity = Math.ceil(capacity * 1.25);
    }
  }

  /** Copies the keys (those with `bit` of hi equal to `value`, or all when bit < 0) in order, each
   * at its home or just after the previous one. False when they do not fit. */
  private copyInto(into: Segment, bit: number, value: number): boolean {
    const from = this.table;
    const to = into.table;
    const scale = into.scale;
    let next = 0;
    let keys = 0;
    for (let at = 0; at < from.length; at += 3) {
      const lo = from[at + 1]!;
      if (lo === 0) continue;
      const hi = from[at]!;
      if (bit >= 0 && ((hi >>> bit) & 1) !== value) continue;
      const home = 3 * (((lo >>> 0) * scale) | 0);
      const slot = home > next ? home : next;
      if (slot >= to.length) return false;
      to[slot] = hi;
      to[slot + 1] = lo;
      to[slot + 2] = from[at + 2]!;
      next = slot + 3;
      keys++;
    }
    into.keys += keys;
    return true;
  }
}

const LIVE_CAPACITY = 1 << 10;
/** Grow when more than 3/4 of the slots are used (linear probing stays short below that). */
const MAX_LOAD_NUMERATOR = 3;
const MAX_LOAD_SHIFT = 2;

/**
 * Linear probing over 64-bit keys with int values. Slot i is table[3i .. 3i+2]: the key's high and
 * low words and the value, side by side so that a probe touches one cache line. A slot is empty
 * when its low word is 0. Deletion shifts the entries after the slot back (no tombstones).
 */
class LiveTable {
  private table = new Int32Array(3 * LIVE_CAPACITY);
  private mask = LIVE_CAPACITY - 1;
  size = 0;

  get bytes(): number {
    return this.table.byteLength;
  }

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
