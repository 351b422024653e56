// Built-in types, workload classes and their CPython sizes (64-bit `sys.getsizeof`), per version.
import { FinalizerKind, Kind } from './object.js';
import type { Finalizer, PythonVersion, TypeDecl } from '../workload/schema.js';
import { parseSize } from '../workload/schema.js';

/** A class's shared key table starts with this many usable slots (CPython SHARED_KEYS_MAX_SIZE). */
const SHARED_KEYS_MAX_SIZE = 30;

/** A type as the heap sees it. Workload classes are one per (type name, finalizer kind). */
export class PyClass {
  /** Field names in the order first set on any instance: the shared key table (traversal order). */
  readonly keys: string[] = [];
  readonly keyIndex = new Map<string, number>();
  /** dk_usable of the shared keys: instance creation and new names consume it. */
  usable = SHARED_KEYS_MAX_SIZE;

  constructor(
    readonly name: string,
    readonly kind: Kind,
    readonly size: number,
    readonly finalizer: FinalizerKind,
    /** For a resurrecting finalizer: the module-level name of the list it appends self to. */
    readonly resurrectName: string | null,
  ) {}

  get supportsWeakrefs(): boolean {
    return this.kind === Kind.Instance || this.kind === Kind.Function;
  }
}

const ATOMIC_SIZES: Record<string, [number, number]> = {
  str: [49, 41],
  bytes: [33, 33],
  int: [28, 28],
  float: [24, 24],
  bytearray: [56, 56],
};

const BUILTIN_KINDS: Record<string, Kind> = {
  list: Kind.List,
  dict: Kind.Dict,
  tuple: Kind.Tuple,
  function: Kind.Function,
  weakref: Kind.Weakref,
};

export interface SizeModel {
  instance: number;
  function: number;
}

export function sizeModel(python: PythonVersion): SizeModel {
  return python === '3.11' ? { instance: 56, function: 152 } : { instance: 48, function: 160 };
}

export const LIST_BASE_SIZE = 56;
export const TUPLE_BASE_SIZE = 40;
export const WEAKREF_SIZE = 80;
export const EMPTY_DICT_SIZE = 64;

/** list_resize: the capacity CPython allocates when a list of `allocated` slots becomes `newSize` long. */
export function listResize(allocated: number, size: number, newSize: number): number {
  if (allocated >= newSize && newSize >= allocated >> 1) return allocated;
  let newAllocated = (newSize + (newSize >> 3) + 6) & ~3;
  if (newSize - size > newAllocated - newSize) newAllocated = (newSize + 3) & ~3;
  return newSize === 0 ? 0 : newAllocated;
}

/** sys.getsizeof of a string-keyed dict whose key table has 2**log2 slots (0 = the empty table). */
export function dictSize(log2: number): number {
  if (log2 === 0) return EMPTY_DICT_SIZE;
  const slots = 1 << log2;
  const indexBytes = slots <= 0xff ? 1 : slots <= 0xffff ? 2 : slots <= 0xffffffff ? 4 : 8;
  return EMPTY_DICT_SIZE + 32 + slots * indexBytes + dictUsable(log2) * 16;
}

/** USABLE_FRACTION: entries a key table of 2**log2 slots holds before it must grow. */
export function dictUsable(log2: number): number {
  return log2 === 0 ? 0 : Math.floor(((1 << log2) * 2) / 3);
}

/** calculate_log2_keysize: the smallest table (at least 8 slots) with room for `minSize`. */
export function dictLog2For(minSize: number): number {
  let log2 = 3;
  while (1 << log2 < minSize) log2++;
  return log2;
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
  readonly sizes: SizeModel;

  constructor(
    readonly python: PythonVersion,
    private readonly decls: Record<string, TypeDecl>,
  ) {
    this.sizes = sizeModel(python);
  }

  /** The class for an allocation of `typeName` with an optional per-event finalizer. */
  resolve(typeName: string, eventFinalizer?: Finalizer): PyClass {
    if (eventFinalizer === undefined) {
      const known = this.byName.get(typeName);
      if (known !== undefined) return known;
    }
    const decl = this.decls[typeName];
    const fin = finalizerKind(eventFinalizer ?? decl?.finalizer);
    const key = `${typeName}\u0000${fin.kind}\u0000${fin.name ?? ''}`;
    let cls = this.classes.get(key);
    if (cls === undefined) {
      const kind = this.kindOf(typeName, decl);
      const size = decl?.size !== undefined ? parseSize(decl.size) : this.defaultSize(typeName, kind);
      cls = new PyClass(typeName, kind, size, fin.kind, fin.name);
      this.classes.set(key, cls);
    }
    if (eventFinalizer === undefined) this.byName.set(typeName, cls);
    return cls;
  }

  /** Whether instances of the type may carry a finalizer (only workload classes can). */
  isBuiltin(typeName: string): boolean {
    return typeName in BUILTIN_KINDS || typeName in ATOMIC_SIZES;
  }

  private kindOf(typeName: string, decl: TypeDecl | undefined): Kind {
    const builtin = BUILTIN_KINDS[typeName];
    if (builtin !== undefined) return builtin;
    if (typeName in ATOMIC_SIZES || decl?.tracked === false) return Kind.Atomic;
    return Kind.Instance;
  }

  private defaultSize(typeName: string, kind: Kind): number {
    switch (kind) {
      case Kind.Instance:
        return this.sizes.instance;
      case Kind.List:
        return LIST_BASE_SIZE;
      case Kind.Dict:
        return EMPTY_DICT_SIZE;
      case Kind.Tuple:
        return TUPLE_BASE_SIZE;
      case Kind.Function:
        return this.sizes.function;
      case Kind.Weakref:
        return WEAKREF_SIZE;
      case Kind.Atomic: {
        const sizes = ATOMIC_SIZES[typeName];
        return sizes === undefined ? this.sizes.instance : this.python === '3.11' ? sizes[0] : sizes[1];
      }
    }
  }
}
