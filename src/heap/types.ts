// Built-in types and workload classes: what kind of object each type name makes, and its size.
// Workload strings are keys here: every lookup goes through a Map, so a class may be called
// `constructor` or `__proto__` like any other.
import type { VersionModel } from '../cpython/versions.js';
import type { Finalizer, TypeDecl } from '../workload/schema.js';
import { parseSize } from '../workload/schema.js';
import { FinalizerKind, Kind } from './kind.js';
import { KINDS } from './layout.js';

/** A class's shared key table starts with this many usable slots (CPython SHARED_KEYS_MAX_SIZE). */
const SHARED_KEYS_MAX_SIZE = 30;

/** A type as the heap sees it. Workload classes are one per (type name, finalizer kind). */
export class PyClass {
  /** Field names in the order first set on any instance: the shared key table (traversal order). */
  readonly keys: string[] = [];
  readonly keyIndex = new Map<string, number>();
  /** dk_usable of the shared keys: instance creation and new names consume it. A class with fixed
   * slots has no shared key table: its slots are its keys, and it never runs out. */
  usable = SHARED_KEYS_MAX_SIZE;

  constructor(
    readonly name: string,
    readonly kind: Kind,
    readonly size: number,
    readonly finalizer: FinalizerKind,
    /** For a resurrecting finalizer: the module-level name of the list it appends self to. */
    readonly resurrectName: string | null,
    /** `__slots__`, or a built-in type's fields: references in this order, never a `__dict__`. */
    slots: readonly string[] | null = null,
  ) {
    if (slots === null) return;
    for (const name of slots) {
      this.keyIndex.set(name, this.keys.length);
      this.keys.push(name);
    }
    this.usable = Infinity;
  }

  get supportsWeakrefs(): boolean {
    return KINDS[this.kind].weakrefs;
  }
}

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
      cls = new PyClass(typeName, kind, size, fin.kind, fin.name, decl?.slots ?? null);
      this.classes.set(key, cls);
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
