// The `leaks` section of the report: the leak classes with their allocating lines, the leaked
// cycles, and the lines whose objects only the cyclic collector freed.
import type { LeakSite, LeaksReport } from '../model/report.js';
import { LeakClass, type HeapClassification } from './classify.js';
import { describeLeakedCycles } from './cycles.js';
import { retentionPath } from './graph.js';
import { SiteTallies, type LineText } from './sites.js';

export function buildLeaksReport(c: HeapClassification, lineText: LineText, gcFreed: SiteTallies): LeaksReport {
  const objects = c.heap.objects;
  const byClass = [LeakClass.Reachable, LeakClass.Frozen, LeakClass.Uncollectable, LeakClass.External, LeakClass.Cyclic].map(() => new SiteTallies(lineText));
  for (let i = 0; i < c.order.length; i++) {
    const obj = objects[c.order[i]!]!;
    byClass[c.classOf[obj.handle]!]!.add(obj);
  }
  const sites = byClass.map((tallies) => tallies.sites());
  const plain = (k: LeakClass): LeakSite[] => sites[k]!.map((t) => t.site);
  const t = c.totals;
  const shapes = describeLeakedCycles(c, lineText);
  return {
    reachable: { ...t.reachable, sites: sites[LeakClass.Reachable]!.map((s) => ({ ...s.site, retention: retentionPath(objects, c, s.first.handle) })) },
    frozen: { ...t.frozen, sites: plain(LeakClass.Frozen) },
    uncollectable: { ...t.uncollectable, sites: plain(LeakClass.Uncollectable) },
    external: { ...t.external, sites: plain(LeakClass.External) },
    cyclic: { ...t.cyclic, sites: plain(LeakClass.Cyclic), cycles: shapes.reduce((n, s) => n + s.cycles, 0), shapes },
    gcFreedBySite: gcFreed.sites().map((s) => ({ ...s.site, passes: [...s.passes].sort((a, b) => a - b) })),
  };
}
