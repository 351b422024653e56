// What differs between the CPython versions memprof models, in one table. Every figure names the
// CPython source it comes from; sizes are what `sys.getsizeof` prints on a 64-bit build (measured on
// 3.11.7, 3.12.1 and 3.13.0). Adding a version is adding an entry here (and its recorded oracle
// observations, see docs/model.md).
import type { PythonVersion } from '../workload/schema.js';

export interface VersionModel {
  version: PythonVersion;
  sizes: {
    /** An instance of a class without `__slots__` (object___sizeof___impl + the pre-header
     * `_PyType_PreHeaderSize` adds: GC head, managed dict and, from 3.12, managed weakref). */
    instance: number;
    /** `object()` itself: a bare PyObject, not a GC type. */
    object: number;
    /** A function object (sizeof(PyFunctionObject) + GC head; 3.12 added func_typeparams). */
    function: number;
    /** The empty `str` (3.12 dropped the wstr fields of PyASCIIObject, PEP 623). */
    str: number;
    bytes: number;
    int: number;
    float: number;
    bytearray: number;
    /** Empty list / tuple / dict, and the bytes per item slot (list_resize, tuple items). */
    list: number;
    tuple: number;
    dict: number;
    weakref: number;
    /** An empty set or frozenset (PySetObject with its 8-entry smalltable). */
    set: number;
  };
  /** How a value's size grows with its length (Objects/unicodeobject.c, bytesobject.c,
   * longobject.c, bytearrayobject.c `__sizeof__`). */
  perItem: {
    /** An ASCII str adds one byte per character to `sizes.str` (a compact ASCII object). */
    strAsciiChar: number;
    /** A bytes object adds one byte per byte to `sizes.bytes`. */
    bytesByte: number;
    /** An int holds 30-bit digits (PYLONG_BITS_IN_DIGIT), each a 4-byte `digit`; `sizes.int` has room
     * for one, and 0 takes one as well on these versions. */
    intDigitBits: number;
    intDigitBytes: number;
    /** `bytearray(n)` allocates n + 1 bytes (the trailing NUL, PyByteArray_Resize) beyond
     * `sizes.bytearray`; an empty one allocates none. */
    bytearrayExtra: number;
  };
  /** Ints from -NSMALLNEGINTS to NSMALLPOSINTS - 1 are preallocated singletons (pycore_global_objects.h
   * `_PY_NSMALLNEGINTS` 5, `_PY_NSMALLPOSINTS` 257): `int('256') is int('256')`, no allocation. */
  smallInts: [number, number];
  gc: {
    /** Default `gc.get_threshold()` (gcmodule.c `_PyGC_InitState`; 3.13 Python/gc.c raised
     * generation 0's to 2000). */
    threshold: [number, number, number];
    /** 3.12+ `_PyObject_GC_Link` only schedules a collection (`_Py_ScheduleGC`); it runs at the next
     * eval-breaker check. 3.11 collects inside the allocation. */
    schedulesCollection: boolean;
  };
  freelists: {
    /** PyList_MAXFREELIST (Objects/listobject.c). */
    list: number;
    /** PyDict_MAXFREELIST (Objects/dictobject.c). */
    dict: number;
    /** Tuples of 1..n items go to a freelist when freed (`maybe_freelist_push` in
     * Objects/tupleobject.c: PyTuple_NFREELISTS = PyTuple_MAXSAVESIZE = 20). */
    tupleMaxSaveSize: number;
    /** Tuples of 1..n items are taken from their freelist when allocated (`maybe_freelist_pop`):
     * 3.11 and 3.12.1 test `size < PyTuple_MAXSAVESIZE`, so a 20-tuple is pushed but never popped;
     * 3.13 (pycore_freelist.h) pops every size it pushes. */
    tupleMaxPopSize: number;
    /** PyTuple_MAXFREELIST: entries per tuple length. */
    tuple: number;
  };
  dealloc: {
    /** Py_TRASHCAN_BEGIN: a deallocation entered at this nesting or deeper is deposited on
     * `trash_delete_later` (3.11/3.12: `_PyTrash_begin` at PyTrash_UNWIND_LEVEL 50; 3.13
     * `_Py_Dealloc`-side trashcan only near the C recursion limit, 10,000 less a headroom of 50). */
    trashcanDepositDepth: number;
    /** Deposited objects are destroyed when a trashcan deallocation ends at this nesting or
     * shallower (3.11/3.12: the outermost one; 3.13: after unwinding 50 levels). */
    trashcanDestroyDepth: number;
    /** PyObject_ClearWeakRefs (Objects/weakrefobject.c): 3.13 always builds its (weakref, callback)
     * tuple for a weakref that is not an exact basic ref; 3.11/3.12 first drop up to two
     * callback-less refs at the head and build it only for two or more of the rest. */
    weakrefTupleAlways: boolean;
  };
  export: {
    /** `_testcapi.with_tp_del`: 3.11's slot_tp_del looks `__tp_del__` up as a special method
     * (binding it allocates a method object), 3.12+ call the attribute with self. */
    legacyFinalizerAsProperty: boolean;
  };
}

const COMMON_FREELISTS = { list: 80, dict: 80, tupleMaxSaveSize: 20, tupleMaxPopSize: 19, tuple: 2000 };

const PY311: VersionModel = {
  version: '3.11',
  sizes: { instance: 56, object: 16, function: 152, str: 49, bytes: 33, int: 28, float: 24, bytearray: 56, list: 56, tuple: 40, dict: 64, weakref: 80, set: 216 },
  perItem: { strAsciiChar: 1, bytesByte: 1, intDigitBits: 30, intDigitBytes: 4, bytearrayExtra: 1 },
  smallInts: [-5, 256],
  gc: { threshold: [700, 10, 10], schedulesCollection: false },
  freelists: COMMON_FREELISTS,
  dealloc: { trashcanDepositDepth: 50, trashcanDestroyDepth: 0, weakrefTupleAlways: false },
  export: { legacyFinalizerAsProperty: true },
};

const PY312: VersionModel = {
  ...PY311,
  version: '3.12',
  sizes: { ...PY311.sizes, instance: 48, function: 160, str: 41 },
  gc: { threshold: [700, 10, 10], schedulesCollection: true },
  export: { legacyFinalizerAsProperty: false },
};

const PY313: VersionModel = {
  ...PY312,
  version: '3.13',
  gc: { threshold: [2000, 10, 10], schedulesCollection: true },
  freelists: { ...COMMON_FREELISTS, tupleMaxPopSize: 20 },
  dealloc: { trashcanDepositDepth: 9950, trashcanDestroyDepth: 9899, weakrefTupleAlways: true },
};

export const VERSIONS: Readonly<Record<PythonVersion, VersionModel>> = { '3.11': PY311, '3.12': PY312, '3.13': PY313 };

export function versionModel(python: PythonVersion): VersionModel {
  return VERSIONS[python];
}
