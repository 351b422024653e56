// Built-in types and workload classes: what kind of object each type name makes, and its size.
// Workload strings are keys here: every lookup goes through a Map, so a class may be called
// `constructor` or `__proto__` like any other.
import type { VersionModel } from '../cpython/versions.js';
import type { Finalizer, TypeDecl } from '../workload/schema.js';
import { parseSize } from '../workload/schema.js';
import { FinalizerKind, Kind } from './kind.js';
import { FUNCTION_FIELDS, KINDS } from './layout.js';
import { PyClass } from './types.js';

/** Built-in type names and the kind of object each makes. */
export const BUILTIN_KINDS: ReadonlyMap<string, Kind> = new Map([
  ['list', Kind.List],
  ['dict', Kind.Dict],
  ['tuple', Kind.Tuple],
  ['set', Kind.Set],
  ['frozenset', Kind.FrozenSet],
  ['function', Kind.Function],
  ['weakref', Kind.Weakref],
  // `object()`: a bare PyObject, not a GC type, with no attributes and no weakref slot.
  ['object', Kind.Atomic],
  ['str', Kind.Atomic],
  ['bytes', Kind.Atomic],
  ['int', Kind.Atomic],
  ['float', Kind.Atomic],
  ['bytearray', Kind.Atomic],
]);

/** The size of an atomic built-in, per version. */
const ATOMIC_SIZE: ReadonlyMap<string, (v: VersionModel) => number> = new Map([
  ['object', (v: VersionModel) => v.sizes.object],
  ['str', (v: VersionModel) => v.sizes.str],
  ['bytes', (v: VersionModel) => v.sizes.bytes],
  ['int', (v: VersionModel) => v.sizes.int],
  ['float', (v: VersionModel) => v.sizes.float],
  ['bytearray', (v: VersionModel) => v.sizes.bytearray],
]);

/**
 * The built-in type a type name is probably a typo of (`Lsit`, `dcit`, `tupel`, `byte`, `List`), or
 * undefined. Case is ignored; the distance is Damerau–Levenshtein's (a swap of two neighbours is one
 * edit), at most 1 from a name of up to four letters and 2 from a longer one, so that `Node`, `Row`
 * or `Item` are nobody's typo.
 */
export function closeBuiltinName(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (BUILTIN_KINDS.has(name) || lower.length > 12) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const builtin of BUILTIN_KINDS.keys()) {
    const d = editDistance(lower, builtin);
    if (d <= (builtin.length <= 4 ? 1 : 2) && d < bestDistance) {
      best = builtin;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}

function finalizerKind(f: Finalizer | undefined): { kind: FinalizerKind; name: string | null } {
  if (f === undefined) return { kind: FinalizerKind.None, name: null };
  if (f === 'del') return { kind: FinalizerKind.Del, name: null };
  if (f === 'legacy') return { kind: FinalizerKind.Legacy, name: null };
  return { kind: FinalizerKind.Resurrect, name: f.resurrect.slice(1) };
}

/** Resolves type names to classes, creating one class per (name, finalizer kind) on first use. */
export class TypeRegistry {
  private readonly classes = new Map<string, PyClass>();
  /** The classes of allocations without a finalizer of their own, by type name alone. */
  private readonly byName = new Map<string, PyClass>();
  private readonly decls: ReadonlyMap<string, TypeDecl>;
  /** The built-in classes the interpreter itself allocates (materialised `__dict__`s, argument and
   * weakref-callback tuples). */
  readonly dict: PyClass;
  readonly tuple: PyClass;
  readonly weakref: PyClass;
  /** Called once per type name that is neither built in nor declared in `types` (a class of the
   * workload's own, or a typo), when its first object is allocated. */
  onUndeclaredClass: ((name: string) => void) | null = null;
  private readonly undeclared = new Set<string>();

  constructor(
    readonly version: VersionModel,
    decls: Record<string, TypeDecl>,
  ) {
    this.decls = new Map(Object.entries(decls));
    this.dict = this.resolve('dict');
    this.tuple = this.resolve('tuple');
    this.weakref = this.resolve('weakref');
  }

  /** The class for an allocation of `typeName` with an optional per-event finalizer. */
  resolve(typeName: string, eventFinalizer?: Finalizer): PyClass {
    if (eventFinalizer === undefined) {
      const known = this.byName.get(typeName);
      if (known !== undefined) return known;
    }
    const decl = this.decls.get(typeName);
    const fin = finalizerKind(eventFinalizer ?? decl?.finalizer);
    const key = `${typeName}\u0000${fin.kind}\u0000${fin.name ?? ''}`;
    let cls = this.classes.get(key);
    if (cls === undefined) {
      const kind = this.kindOf(typeName, decl);
      const size = decl?.size !== undefined ? parseSize(decl.size) : this.defaultSize(typeName, kind);
      cls = new PyClass(typeName, kind, size, fin.kind, fin.name, decl?.slots ?? (kind === Kind.Function ? FUNCTION_FIELDS : null));
      this.classes.set(key, cls);
      if (decl === undefined && !BUILTIN_KINDS.has(typeName) && this.onUndeclaredClass !== null && !this.undeclared.has(typeName)) {
        this.undeclared.add(typeName);
        this.onUndeclaredClass(typeName);
      }
    }
    if (eventFinalizer === undefined) this.byName.set(typeName, cls);
    return cls;
  }

  /** Whether the type is built in (only workload classes can carry a finalizer). */
  isBuiltin(typeName: string): boolean {
    return BUILTIN_KINDS.has(typeName);
  }

  private kindOf(typeName: string, decl: TypeDecl | undefined): Kind {
    const builtin = BUILTIN_KINDS.get(decl?.base ?? typeName);
    if (builtin !== undefined) return builtin;
    if (decl?.tracked === false) return Kind.Atomic;
    return Kind.Instance;
  }

  private defaultSize(typeName: string, kind: Kind): number {
    const atomic = ATOMIC_SIZE.get(typeName);
    if (atomic !== undefined) return atomic(this.version);
    return KINDS[kind].emptySize(this.version);
  }
}
