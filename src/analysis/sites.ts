// Objects tallied by the line that allocated them, and by type: the one tally behind every "by
// allocating line" table (leak classes, leaked cycles, objects the collector freed, snapshots).
// Keys are (file, line) in nested maps and classes by identity, so no string is built per object.
import type { PyObject } from '../heap/object.js';
import type { PyClass } from '../heap/types.js';
import type { LeakSite, TypeCount } from '../model/report.js';

/** The source text of a line ('' when unknown). */
export type LineText = (file: string, line: number) => string;

export interface SiteTally {
  site: LeakSite;
  types: Map<PyClass, TypeCount>;
  /** The first object tallied at the site. */
  first: PyObject;
  /** The collections that freed the site's objects (tallies of freed objects only). */
  passes: Set<number>;
}

export class SiteTallies {
  private readonly byFile = new Map<string, Map<number, SiteTally>>();
  objects = 0;
  bytes = 0;

  constructor(private readonly lineText: LineText) {}

  /**
   * Adds an object to its allocating line's tally. A materialised `__dict__` is its owner's memory:
   * its bytes go to its owner's line and type, and it is not counted as an object; other implicit
   * objects (the interpreter's) are not tallied. `pass` is the collection that freed it, if any.
   */
  add(obj: PyObject, pass = -1): void {
    const site = obj.implicit ? obj.owner : obj;
    if (site === null) return;
    let byLine = this.byFile.get(site.allocFile);
    if (byLine === undefined) this.byFile.set(site.allocFile, (byLine = new Map()));
    let tally = byLine.get(site.allocLine);
    if (tally === undefined) {
      tally = {
        site: { file: site.allocFile, line: site.allocLine, content: this.lineText(site.allocFile, site.allocLine), objects: 0, bytes: 0, types: [] },
        types: new Map(),
        first: site,
        passes: new Set(),
      };
      byLine.set(site.allocLine, tally);
    }
    let type = tally.types.get(site.cls);
    if (type === undefined) tally.types.set(site.cls, (type = { type: site.typeName, objects: 0, bytes: 0 }));
    const counted = obj.implicit ? 0 : 1;
    tally.site.objects += counted;
    tally.site.bytes += obj.size;
    type.objects += counted;
    type.bytes += obj.size;
    this.objects += counted;
    this.bytes += obj.size;
    if (pass >= 0) tally.passes.add(pass);
  }

  /** Every site, largest first (then by file and line), each with its types merged by name. */
  sites(): SiteTally[] {
    const list = [...this.byFile.values()].flatMap((byLine) => [...byLine.values()]);
    for (const t of list) t.site.types = mergeTypes(t.types.values());
    return list.sort((a, b) => b.site.bytes - a.site.bytes || compareSites(a.site, b.site));
  }

  /** Every type over all sites, merged by name, largest first. */
  types(): TypeCount[] {
    const all: TypeCount[] = [];
    for (const byLine of this.byFile.values()) for (const t of byLine.values()) all.push(...t.types.values());
    return mergeTypes(all);
  }
}

/** Classes of one name (a type with and without a finalizer) are one type in reports. */
export function mergeTypes(counts: Iterable<TypeCount>): TypeCount[] {
  const byName = new Map<string, TypeCount>();
  for (const t of counts) {
    const entry = byName.get(t.type);
    if (entry === undefined) byName.set(t.type, { ...t });
    else {
      entry.objects += t.objects;
      entry.bytes += t.bytes;
    }
  }
  return [...byName.values()].sort(byBytes((t) => t.type));
}

/** By file, then line. */
export function compareSites(a: { file: string; line: number }, b: { file: string; line: number }): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
}

/** Largest bytes first, then by key: deterministic. */
export function byBytes<T extends { bytes: number }>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => b.bytes - a.bytes || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}
