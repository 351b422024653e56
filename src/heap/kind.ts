// The kinds of objects the heap models and the finalizers a class can have. A kind decides how an
// object stores its references and which of CPython's type slots it has (src/heap/layout.ts).

/** How an object's references are laid out: one kind per CPython type layout the model knows. */
export const enum Kind {
  /** An instance of a workload class: attributes in the class's shared key table. */
  Instance,
  List,
  Dict,
  Tuple,
  Set,
  FrozenSet,
  Function,
  Weakref,
  /** str, bytes, int, float, bytearray, `object()` and `tracked: false` classes: no references, not a GC type. */
  Atomic,
}

export const enum FinalizerKind {
  None,
  /** A Python `__del__` (tp_finalize, PEP 442). */
  Del,
  /** A `__del__` that appends self to a module-level list. */
  Resurrect,
  /** A C `tp_del`: makes its cycle uncollectable. */
  Legacy,
}
