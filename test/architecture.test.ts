// The import graph of src/: no module imports itself back through others (no import circle), and
// no module imports from a layer above its own. Data flows one way — file → workload → heap + gc →
// observations → analysis → replay → report → cli — and each folder of src/ sits in one layer:
//
//   0  workload, model, cpython   the input format, the report model, the version table
//   1  heap                       objects, reference counting, deallocation (the type table)
//   2  gc                         the cyclic collector, through the heap's hooks
//   3  sampler, memory            observers of a replay: lines, timeline, pymalloc
//   4  analysis                   leak classes, cycles, sites, limits, the report assembled
//   5  replay                     drives the events through heap, gc and observers
//   6  report, export             renderers, and the workload → CPython script
//   7  cli, recorder              commands (the recorder is one of their features)
//
// Every import counts: `import type` too (a type ties the modules' meanings together), and a
// dynamic `import()`.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

const LAYERS: Readonly<Record<string, number>> = {
  workload: 0,
  model: 0,
  cpython: 0,
  heap: 1,
  gc: 2,
  sampler: 3,
  memory: 3,
  analysis: 4,
  replay: 5,
  report: 6,
  export: 6,
  cli: 7,
  recorder: 7,
};

/** `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`, in source order. */
const IMPORT = /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(SRC, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** The modules of src/ that `file` imports (paths relative to src/, `.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith('.')) continue;
    out.push(relative(SRC, resolve(dirname(join(SRC, file)), spec)).split(sep).join('/').replace(/\.js$/, '.ts'));
  }
  return out;
}

const folder = (file: string): string => file.split('/')[0]!;

const FILES = sourceFiles(SRC);
const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

/** Tarjan's strongly connected components with an explicit stack; those of more than one module
 * (or a module importing itself) are circles. */
function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const circles: string[][] = [];
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const edges = graph.get(top.node) ?? [];
      if (top.edge < edges.length) {
        const to = edges[top.edge++]!;
        if (!graph.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== top.node);
        if (component.length > 1 || edges.includes(top.node)) circles.push(component.sort());
      }
    }
  }
  return circles;
}

describe('the import graph of src/', () => {
  it('reads the imports of every module (the test sees what it checks)', () => {
    expect(FILES.length).toBeGreaterThan(60);
    expect(GRAPH.get('replay/replay.ts')).toContain('heap/heap.ts');
    expect(GRAPH.get('cli/common.ts')).toContain('replay/replay.ts'); // a dynamic import()
    expect(GRAPH.get('gc/collector.ts')).toContain('heap/hooks.ts'); // an `import type`
  });

  it('puts every folder of src/ in a layer', () => {
    const unplaced = [...new Set(FILES.map(folder))].filter((f) => !f.endsWith('.ts') && !(f in LAYERS));
    expect(unplaced, 'add the folder to LAYERS in test/architecture.test.ts').toEqual([]);
  });

  it('has no import circle', () => {
    expect(importCircles(GRAPH)).toEqual([]);
  });

  it('finds an import circle when there is one', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(importCircles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
  });

  it('never imports from a higher layer', () => {
    const upward: string[] = [];
    for (const [file, imports] of GRAPH) {
      const from = LAYERS[folder(file)];
      for (const target of imports) {
        const to = LAYERS[folder(target)];
        if (from !== undefined && to !== undefined && to > from) upward.push(`${file} (${folder(file)}, layer ${from}) imports ${target} (${folder(target)}, layer ${to})`);
      }
    }
    expect(upward).toEqual([]);
  });
});
