"""The recorder: follows a program's heap as it runs and writes what changed as trace events.

At every line boundary of traced code (and at calls, returns and collections) the objects the line
could have changed are compared with a shadow of what the trace has said so far, and only the
differences are written: allocations, stores and deletions of references, name bindings. Deaths
are never written: memprof's model computes them, by reference counting and its collector.

The shadow holds no reference to a program object between callbacks (that would change what
CPython frees): it is a few dicts keyed by `id()` whose values are ints, strs and bytes, none of
which the collector tracks. The recorder's own long-lived state is created before the start-up
`gc.collect(); gc.freeze()`, so that it never counts in the program's collections.

What the recorder allocates while the program runs must leave the program's allocation count as
it found it, or the real run's automatic collections would move. So no container made during a
callback outlives it, and none is made by calling its type: `dict(...)` and `list(...)` take a
fresh object that is freed onto the type's freelist, a net count the program then pays for;
literals and comprehensions take from the freelist and give back to it.

Shadow references count as the model's refcounts do (names, references between traced objects,
references held from outside the trace): when an object's count reaches zero the model frees it,
and so does the shadow. What only the cyclic collector frees is forgotten after each real
collection: whatever no root reaches in the shadow is unreachable for the program too.
"""
import abc
import dis
import gc
import re
import sys
import types
import weakref
from _collections import _count_elements, deque
from array import array
from itertools import compress, count, islice, repeat
from operator import add, attrgetter, eq, le, mul, ne, not_, or_, sub

from . import objects as O
from . import uses as U
from .trace import quote

_getsizeof = sys.getsizeof
_getrefcount = sys.getrefcount
_getweakrefcount = weakref.getweakrefcount
_get_referents = O.referents
_is_tracked = gc.is_tracked
_MISSING = object()
_NONE_ID = id(None)
_BYTEORDER = sys.byteorder
_DEBUG = bool(__import__('os').environ.get('MEMPROF_RECORD_DEBUG'))
_MEMBER_DESCRIPTOR = types.MemberDescriptorType
# Atomic types the model knows by name; any other (range, complex, datetime.date…) is declared
# in the header as not tracked.
_ATOM_TYPES = frozenset(['int', 'str', 'bytes', 'float', 'bytearray'])
_PLAIN_ATOMS = frozenset([int, str, bytes, float])
_ALLOC_HELD = '{"op":"alloc","id":"%s","type":"%s","size":%d,"hold":true}'
_ALLOC_RUN = '{"op":"repeat","count":%d,"var":"i","oneExecution":true,"body":[{"op":"alloc","id":"o%d_{i}","type":"%s","size":%d,"hold":true}]}'
_name_of = attrgetter('__name__')

# CO_NEWLOCALS: a function's frame has locals of its own; a class body or a module's does not.
_CO_NEWLOCALS = 0x2
_CO_GENERATOR_LIKE = 0x20 | 0x80 | 0x200  # generator, coroutine, async generator

# A dict of at least this many entries keeps an index of its shadow's keys, so that a line that
# stores a few keys is compared at those keys only (see uses.py).
_BIG = 512
# A list of at least this many items that a line only appends to or pops from is compared at its end.
_TAIL_MIN = 64
# How many items before the old end a list compared at its end checks (a pop then an append).
_TAIL_WINDOW = 16
# A container of more than this many items is looked at by whole-container operations over an
# array of its items' ids (which are new, which the shadow knows), not item by item in Python.
_MANY = 1024
# Most objects a collection may look at for garbage the trace never saw made (untraced_garbage):
# the look costs about 3 µs per object, so a full collection of a bigger heap goes without it.
_GARBAGE_LOOK_LIMIT = 250_000
_NO_IDS = frozenset()
_GONE = -3  # an indexed dict's slot whose key was deleted
_OUTSIDE = -4  # a dict's value or a tuple's item the trace does not follow but the collector tracks (a library's class): "@external"
_C_HOLD = -5  # discard_container: the weakref's callback drops a reference from C (weakref.finalize)


def _finalize_registry():
    """weakref.finalize's registry: the program's `weakref` module's (the recorder's own copy of
    the module is not the program's when the program imports it after the start: main.py)."""
    module = sys.modules.get('weakref')
    finalize = getattr(module, 'finalize', None) if module is not None else None
    registry = getattr(finalize, '_registry', None)
    return registry if type(registry) is dict else _NO_REGISTRY


_NO_REGISTRY = {}


def _is_finalize(obj):
    """Whether `obj` is a weakref.finalize (of whichever copy of the `weakref` module)."""
    tp = type(obj)
    return tp.__name__ == 'finalize' and tp.__module__ == 'weakref'


# What `abc.ABC` keeps its registry and caches in (the C implementation's; None without it).
_ABC_DATA = type(getattr(abc.ABC, '_abc_impl', None))
# 3.13 keeps an instance's values inline, and refers to them, when its __dict__ is made: the
# instances of a class with Py_TPFLAGS_INLINE_VALUES (not a subclass of a class with __slots__ or
# of a C type, which keep a dict from their first attribute on).
_INLINE_VALUES_KEPT = sys.version_info >= (3, 13)
_TPFLAGS_INLINE_VALUES = 1 << 2
# What the trace takes as an instance's field name (SPEC: `^[A-Za-z_][A-Za-z0-9_]*$`).
_FIELD_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]*\Z')
_UNBOUND = -4  # a frame's name that went (diff_names)
_GONE_BYTES = _GONE.to_bytes(8, _BYTEORDER, signed=True)
_UNTRACED = (-1,)
_UNTRACED_BYTES = (-1).to_bytes(8, _BYTEORDER, signed=True)  # None, or an object the trace does not follow
# Pseudo-kinds of queued changes: a dict compared at some keys, a list at its end.
_KEYS = -1
_TAIL = -2


def _version_reader():
    """A function giving a dict's version tag, or None where it cannot be read. CPython 3.11–3.13
    give every dict a new tag at each change (PEP 509): a dict whose tag is the one it had when the
    shadow was last compared has not changed. It is read from the dict's memory (ma_version_tag,
    after the object header and ma_used), without making any object."""
    words = O.process_words() if (3, 11) <= sys.version_info[:2] <= (3, 13) else None
    if words is None:
        return None

    def version(d):
        return words[(id(d) + 24) >> 3]

    probe = {}
    before = version(probe)
    probe['x'] = 1
    after = version(probe)
    probe['x'] = 1
    if before == after or version(probe) != after or words[(id(probe) + 16) >> 3] != 1:
        return None
    return version


_version = _version_reader()


def _dict_made_reader():
    """On 3.13: a function telling whether an instance of a class that keeps its values inline
    has had its `__dict__` made (`obj.__dict__`, `vars(obj)`, `cached_property`), which reading
    it then only returns. The managed dict pointer is three words before the object; reading it
    makes nothing. None elsewhere, or where the layout is not the one checked."""
    words = O.process_words() if _INLINE_VALUES_KEPT else None
    if words is None:
        return None

    def made(obj):
        return words[(id(obj) - 24) >> 3] != 0

    class Probe:
        pass

    probe = Probe()
    probe.x = 1
    if made(probe):
        return None
    d = probe.__dict__
    return made if words[(id(probe) - 24) >> 3] == id(d) else None


_dict_made = _dict_made_reader()


def _instance_print(obj):
    """How many objects an instance refers to besides its class, then their ids, their types' ids
    and the version tag of each dict among them (its own `__dict__`, or an attribute's), as bytes
    (which the collector does not count): while it is unchanged, so are the instance's
    attributes. None where a dict's tag cannot be read."""
    referents = gc.get_referents(obj)
    types = [*map(type, referents)]
    found = array('Q', [len(referents) - (1 if referents and referents[-1] is type(obj) else 0)])
    found.extend(map(id, referents))
    found.extend(map(id, types))
    if dict in types:
        if _version is None:
            return None
        found.extend([_version(r) for r, tp in zip(referents, types) if tp is dict])
    return found.tobytes()


def _tracked_for_itself(d):
    """Whether the collector tracks a dict that holds nothing it tracks: the dict once held
    something (MAINTAIN_TRACKING never untracks; a full collection does). The model tracks a new
    dict only for what it holds, so the trace says so ("tracked")."""
    return _is_tracked(d) and not any(map(_is_tracked, dict.values(d))) and not any(map(_is_tracked, d))


def _vkey(key):
    """A key's value as text, equal for keys a dict takes as the same (1, 1.0 and True), or None
    for a key of another type (the recorder does not index dicts that have one)."""
    tp = type(key)
    if tp is str:
        return 's' + key
    if tp is int or tp is bool:
        return 'i%d' % key
    if tp is float:
        if key.is_integer():
            return 'i%d' % key
        return 'f' + repr(key) if key == key else None
    if tp is bytes:
        return 'b' + key.hex()
    return None


def _shadow_ids(refs, label):
    """The shadow ids of a list's or tuple's items (an array of int64), -1 where the trace does not
    follow the item. A big list is first checked whole: all of it traced, or none of it."""
    ids = array('q', map(id, refs))
    known = label.__contains__
    if len(ids) > _MANY:
        if all(map(known, ids)):
            return ids
        if not any(map(known, ids)):
            return array('q', _UNTRACED) * len(ids)
        # (id + 1) * known - 1: the id where the shadow knows it, else -1, without a Python loop.
        return array('q', map(sub, map(mul, map(add, ids, repeat(1)), map(known, ids)), repeat(1)))
    return array('q', [i if i in label else -1 for i in ids])


def _slot_entry(entry):
    """(value key, token) of an indexed dict's slot entry `<len>:<vkey><token>`."""
    at = entry.index(':')
    end = at + 1 + int(entry[:at])
    return entry[at + 1:end], entry[end:]


class Recorder:
    """The shadow of the traced heap, and the events that keep the model equal to it."""

    def __init__(self, trace, classifier, preexisting, main_globals, python_version):
        self.trace = trace
        self.emit = trace.event  # writes one event, given as its JSON text
        self.classifier = classifier
        self.preexisting = preexisting
        self.main_globals = main_globals
        self.python = python_version
        # Shadow objects, by id.
        self.label = {}
        self.kind = {}
        self.tname = {}
        self.size = {}
        self.refs = {}  # ids of what the object references (array('q').tobytes()), -1 for None/external
        self.names = {}  # instances: attribute names; dicts: key tokens; '\0'-joined, parallel to refs
        # The one reference an object holds that its description leaves out: an instance's to its
        # traced class, an instance of a container subclass's to its __dict__ (by id).
        self.hidden = {}
        self.rc = {}  # shadow refcount
        self.external = {}  # references from outside the trace (module namespaces), by id
        # Whether a frame is executing (the tracer says): its interpreter frame owns its frame object.
        self.running = None
        self.frame_cells = {}  # function frame id -> the cells it holds for the model (_hold_frame_cell)
        self.running_frames = {}  # frame objects the trace holds for their executing frame, by id
        self.suspects = set()  # ids whose count fell but not to zero since the last collection
        self.orphans = {}  # ids forgotten as unreachable (perhaps still alive until collected) -> type name
        self.holders = {}  # ids the interpreter holds for the program (gc.garbage) -> 1
        self.garbage_length = 0  # len(gc.garbage) when a collection last put the shadow's objects there
        self.survived = {}  # ids a collection left alive that no shadow root reached -> their count then
        self.next_label = 0
        # Frames the model has: id(frame) -> '\0'-joined names and their ids.
        self.frame_names = {}
        self.frame_values = {}
        # What each model frame's evaluation stack holds until its line ends (ids as bytes).
        self.frame_held = {}
        # The model frame events go to now (set by the tracer).
        self.current = 'main'
        # Namespaces that are dicts in the trace: class bodies, imported modules (id(dict) -> 1).
        self.namespace_dicts = {}
        # Per (code, line): names the line reads or writes, and whether it reaches further.
        self.line_info = {}
        # Attribute names stored anywhere in traced code (candidates for an instance's names).
        self.attr_names = {}
        # ids of types whose modules' stored attribute names were learned (never the type itself: a
        # reference from the recorder would keep a class the program dropped alive)
        self.learned_types = {}
        # Weakrefs whose callback takes them out of a container (see _discarded_from): the
        # container's id by weakref, the weakrefs by referent.
        self.discard_container = {}
        self.discard_by_target = {}
        self.program_callbacks = {}  # weakrefs with a callback of the program's own -> their referent
        self.callables_by_target = {}  # referent -> the weakrefs to it that hold their callback object
        self._weakrefs_due = []  # new objects that have weakrefs (within one emit_pending only)
        self.outer_holds = {}  # frame -> ids held for names it bound while a call it made runs
        self.frame_returned = {}  # frame -> ids of the returned values among its holds
        # Returned objects the trace already had elsewhere, with the frames they went back to
        # (keep_returned). Two lists made once: the collector counts nothing new per line.
        self.kept_objects = []
        self.kept_frames = []
        self.missed_deaths = 0  # objects found dead only when their address came back
        self._reserved = {}  # id -> label given ahead of the object's allocation (_label_ahead)
        self.type_names = {}  # id(type) -> names its class defines (see _class_names)
        self.scanned_codes = set()
        # Per class id: its attribute names in the order first seen (its shared-key order).
        self.class_attrs = {}
        # Types declared in the header: name -> slots.
        self.type_slots = {}
        self.finalizer_types = {}
        self.type_bases = {}
        self.generic_types = {}  # type names of objects described by their referents
        self._modules_seen = len(sys.modules)
        self._adopted_modules = {id(m): m for m in list(sys.modules.values())}
        self._adopted = []  # what imported libraries hold, kept so that no address is reused
        self._importing = []  # library modules adopted while their body was still running
        self.atomic_types = {}  # names of atomic types the model does not know (declared untracked)
        # How the line being flushed uses the containers it names: id -> [use, keys...] (uses.py).
        self.hints = {}
        self.dict_version = {}  # id(dict) -> its version tag when the shadow was last compared
        # Indexed dicts (_BIG entries or more): id -> number of slots (entries and deleted ones),
        # id -> live entries; '<id>\x02<vkey>' -> slot; (id << 32) | slot -> '<len>:<vkey><token>'.
        # Their refs are a bytearray of values by slot (_GONE where deleted); names is unused.
        self.big = {}
        self.big_live = {}
        self.slot_of = {}
        self.slot_entry = {}
        # Generators and coroutines: id -> 1 once seen suspended (started), 0 before.
        self.generators = {}
        # Instances whose __dict__ CPython has made (3.11, 3.12) -> the dict's id, and back; those
        # the trace has not said so of yet.
        self.materialized = {}
        self.own_dict_size = {}  # instance id -> the size its own __dict__ was last said to have
        # The line being flushed assigns an instance's __class__ (only then is an instance under
        # another class name taken for the same instance: `_reclassed`).
        self.assigning_class = False
        self.foreign_types = {}  # id(type) -> whether its code is outside the trace (is_foreign)
        self.instance_type_names = {}  # id(class) -> the trace's name for it (_instance_type_name)
        self.program_froze = False  # gc.freeze() called by the program (and no gc.unfreeze() since)
        # weakref.finalize's registry as the last line left it: its length, its finalizers.
        registry = _finalize_registry()
        self.finalize_registry = id(registry)
        self.finalize_count = len(registry)
        self.finalizer_weakrefs = {}  # id of a finalizer the trace follows -> id of its weakref
        self.finalizers_seen = set(map(id, registry))
        self.own_dicts = {}
        self._to_materialize = {}
        # The __dict__ of an instance of a container subclass, pending: its id -> its owner's id.
        self._attr_owner = {}
        # A dict the trace follows that a new container subclass instance has as its __dict__
        # (`self.__dict__ = self`): owner id -> dict id, made so once both are allocated.
        self._assign_after = {}
        # The container subclasses an instance of which has had a __dict__ (a big one is looked
        # at for one only then: finding it reads all the container refers to).
        self._attr_dict_types = set()
        # Instances whose shadow equals them: id -> _instance_print, and the shadow's refs and
        # names then (the objects, so that a new shadow is a new one). Nothing here is a
        # container the collector counts: the program's automatic collections come as they did.
        self.instance_prints = {}
        self.printed_refs = {}
        self.printed_names = {}
        # Work of one flush.
        self._pending = []
        self._pending_ids = {}
        self._changes = []
        self._batch = []

    # ------------------------------------------------------------------------------------------
    # Emitting

    def new_label(self):
        self.next_label += 1
        return 'o%d' % self.next_label

    def ref_of(self, oid):
        """The trace's reference for a shadow id (-1: None or an object outside the trace, null;
        _OUTSIDE: one outside the trace that the collector tracks, "@external")."""
        if oid < 0:
            return '"@external"' if oid == _OUTSIDE else 'null'
        return '"%s"' % self.label[oid]

    def adopt_imported_modules(self):
        """A library module the program imported is taken as imported before the start: what it
        holds when it first shows in sys.modules (dataclasses' MISSING, a module's constants and
        registries) is preexisting, as the interpreter's own objects are. The program did not make
        it; the model never sees it made."""
        modules = sys.modules
        if len(modules) == self._modules_seen and not self._importing:
            return
        self._modules_seen = len(modules)
        self._importing = []
        stack = []
        for module in list(modules.values()):
            if id(module) in self._adopted_modules or not isinstance(module, types.ModuleType):
                continue
            namespace = module.__dict__
            path = namespace.get('__file__')
            if isinstance(path, str) and self.classifier.is_traced_file(path):
                self._adopted_modules[id(module)] = module
                continue
            stack.append(namespace)
            stack.extend(_get_referents(namespace))  # (a module looked at again: what its body added since)
            if getattr(namespace.get('__spec__'), '_initializing', False):
                self._importing.append(module)  # its body still runs (a collection came first): again later
            else:
                self._adopted_modules[id(module)] = module
        preexisting, label, pending, kept = self.preexisting, self.label, self._pending_ids, self._adopted
        while stack:
            obj = stack.pop()
            oid = id(obj)
            if oid in preexisting or oid in label or oid in pending or type(obj) is types.ModuleType:
                continue
            preexisting.add(oid)
            kept.append(obj)
            stack.extend(_get_referents(obj))
            if type(obj) is types.CodeType:
                stack.extend(O.code_strings(obj))

    # ------------------------------------------------------------------------------------------
    # Reading a real object

    def describe(self, obj, kind):
        """(names or None, referenced objects) of a real object, as the trace stores them."""
        if kind == O.LIST or kind == O.TUPLE:
            return None, [*obj]
        if kind == O.DICT:
            return self._dict_entries(obj)
        if kind == O.SET or kind == O.FROZENSET:
            return None, [*obj]
        if kind == O.INSTANCE:
            return self._attributes(obj)
        if kind == O.FUNCTION:
            names, values = O.function_fields(obj)
            if names[1:2] == ['__globals__'] and id(values[1]) not in self.label and O.is_module_namespace(values[1]):
                del names[1], values[1]  # a library's function: its module holds its globals
            return names, values
        if kind == O.GENERIC:
            if type(obj) is _FRAME and self.python != '3.13':
                return None, _without_locals_dict(obj, _get_referents(obj))
            if type(obj) in _SUSPENDED_FLAG:
                return None, generator_referents(obj)
            return None, [r for r in _get_referents(obj)]
        if kind == O.WEAKREF:
            target = obj()
            callback = _program_callback(obj)
            return None, [target] if callback is None else [target, callback]
        return None, []

    def _dict_entries(self, d):
        tokens = []
        values = []
        for key, value in dict.items(d):
            if type(key) is str:
                tokens.append('f' + key)
            else:
                k = self.classifier.kind(key, self.preexisting)
                if k == O.EXTERNAL:
                    tokens.append('f' + repr(key))
                else:
                    tokens.append(key)  # an object key: resolved to a label when emitted
            values.append(value)
        return tokens, values

    def _attributes(self, obj):
        """An instance's attributes that hold objects, by name, in its class's key order. Names come
        from the class's slots and the attribute names stored in traced code; values are read
        with object.__getattribute__, which never creates a __dict__."""
        tp = type(obj)
        known = self.class_attrs.get(id(tp))
        order = known.split('\0') if known else [*O.slot_names(tp)]
        referents = _get_referents(obj)
        if referents and referents[0] is tp and referents[-1] is not tp:
            # A C type's traverse may visit the type first and the managed dict last (3.12's
            # typing.TypeVar): in the order a Python class's instance has them.
            referents = [*referents[1:], tp]
        if (len(referents) == 2 and referents[1] is tp and id(referents[0]) in self.label
                and (self._is_dict_of(obj, referents[0]) or self._assigned_dict(id(obj)) == id(referents[0]))):
            # `obj.__dict__ = d`, a dict the trace follows (the shared state of the Borg pattern):
            # its entries are the instance's attributes, and the model's `__dict__` field is it.
            return ['__dict__'], [referents[0]]
        own = self._own_dict(obj, referents, tp)
        if own is not None:
            oid = id(obj)
            if self.materialized.get(oid) != id(own) or oid not in self.label:
                # (An instance the trace has not allocated yet, or one at the address of an
                # instance that died with its own dict.)
                self.materialized[oid] = id(own)
                self.own_dicts[id(own)] = oid
                self._to_materialize[oid] = _getsizeof(own)
            # The instance refers to its values through its __dict__: they are the dict's, and so
            # are their names (a library's code may have stored some: cached_property).
            referents = [*referents[:-2], *dict.values(own), tp]
            order += [name for name in own if type(name) is str and name not in order and _FIELD_NAME.match(name)]
        wanted = len(referents) - (1 if referents and referents[-1] is tp else 0)
        found_names = []
        found_values = []
        seen = 0
        getattribute = object.__getattribute__
        # A name whose value is the class's own (`Logger.root`, which a logger's `parent` may
        # be) is the instance's only if no other name accounts for that reference.
        deferred = []
        for name in order:
            try:
                value = getattribute(obj, name)
            except Exception:
                continue
            if not _held_by(referents, value):
                continue
            if _class_attribute_is(tp, name, value):
                deferred.append((name, value))
                continue
            found_names.append(name)
            found_values.append(value)
            seen += 1
        if seen < wanted and id(tp) not in self.learned_types:
            # Attributes set by code the trace does not follow (a library's class): the names
            # its modules' code stores are candidates too.
            self.learned_types[id(tp)] = 1
            for cls in tp.__mro__:
                O.learn_stored_attributes(sys.modules.get(getattr(cls, '__module__', None) or ''), self.attr_names)
        if seen < wanted:
            class_names = self._class_names(tp)
            for name in self.attr_names:
                if name in class_names:
                    continue
                if name in order:
                    continue
                try:
                    value = getattribute(obj, name)
                except Exception:
                    continue
                if not _held_by(referents, value):
                    continue
                order.append(name)
                if _class_attribute_is(tp, name, value):
                    deferred.append((name, value))
                    continue
                found_names.append(name)
                found_values.append(value)
                seen += 1
                if seen >= wanted:
                    break
        if seen < wanted and _dict_made is not None and tp.__flags__ & _TPFLAGS_INLINE_VALUES and _dict_made(obj):
            # 3.13: library code stored an attribute through the instance's __dict__, under a name
            # the class binds to a descriptor (`cached_property`): that dict, which reading now
            # only returns, says which.
            for name, value in dict.items(object.__getattribute__(obj, '__dict__')):
                if seen >= wanted:
                    break
                if type(name) is str and name not in found_names and _held_by(referents, value):
                    # (Not in the class's order: reading such a name where it is not set runs
                    # the descriptor.)
                    found_names.append(name)
                    found_values.append(value)
                    seen += 1
        for name, value in deferred:
            if seen >= wanted:
                break
            found_names.append(name)
            found_values.append(value)
            seen += 1
        if known is None or len(order) != known.count('\0') + 1:
            self.class_attrs[id(tp)] = '\0'.join(order)
        return found_names, found_values

    def _assigned_dict(self, oid):
        """The id of the dict the shadow gives the instance as its `__dict__`, or None."""
        if self.names.get(oid) != '__dict__':
            return None
        return int.from_bytes(self.refs[oid], _BYTEORDER, signed=True)

    def _is_dict_of(self, obj, d):
        """Whether the dict `d` is where `obj` reads its attributes from: each of its str keys that
        the class does not bind to a descriptor (reading that could run the descriptor's code)
        reads back as its value, and there is one at least."""
        if type(d) is not dict or not d:
            return False
        class_names = self._class_names(type(obj))
        getattribute = object.__getattribute__
        checked = 0
        for name, value in dict.items(d):
            if type(name) is not str:
                return False
            if name in class_names:
                continue
            try:
                if getattribute(obj, name) is not value:
                    return False
            except Exception:
                return False
            checked += 1
        return checked > 0

    def _own_dict(self, obj, referents, tp):
        """An instance's own `__dict__` once CPython 3.11 or 3.12 has made one (`vars()`,
        `obj.__dict__`, copy, pickle), or 3.13 for a class without inline values: the instance
        then refers to it, last before its type, instead of to its values. None while its values
        are inline. (An attribute holding a dict looks alike: the `__dict__` is the dict every
        attribute is read from.)"""
        if len(referents) < 2 or referents[-1] is not tp or type(referents[-2]) is not dict:
            return None
        if _INLINE_VALUES_KEPT and tp.__flags__ & _TPFLAGS_INLINE_VALUES and len(referents) != 2:
            return None  # (its values are inline, unless a `__class__` assignment moved them to the dict)
        d = referents[-2]
        # (An empty dict is as likely an attribute holding one, and then no value is lost; a dict
        # whose every key the class binds to a descriptor is what descriptors store to,
        # `obj._values[self.name] = value`: an attribute.)
        return d if self._is_dict_of(obj, d) else None

    def _class_names(self, tp):
        """Names the class (or a base) binds to a descriptor other than a `__slots__` member (a
        method, a property): reading one from an instance could run code or make a bound method."""
        names = self.type_names.get(id(tp))
        if names is None:
            names = set()
            for cls in tp.__mro__:
                for name, value in cls.__dict__.items():
                    vtype = type(value)
                    if vtype is not _MEMBER_DESCRIPTOR and getattr(vtype, '__get__', None) is not None:
                        names.add(name)
            self.type_names[id(tp)] = names
        return names

    # ------------------------------------------------------------------------------------------
    # New objects

    def known(self, obj):
        return id(obj) in self.label

    def discover(self, root):
        """Queues `root` and every new object it reaches for allocation. Returns the shadow id of
        `root`, or -1 when the trace does not follow it."""
        rid = id(root)
        if rid in self.label:
            if self.tname.get(rid) == type(root).__name__ or self._reclassed(root, rid):
                return rid
            self._reused(root, rid)
        if rid in self._pending_ids:
            return rid
        stack = []
        self._queue(root, stack)
        self._drain(stack)
        return rid if rid in self.label or rid in self._pending_ids else -1

    def _reclassed(self, obj, oid):
        """Whether an instance the shadow has under another class name is that instance after
        `obj.__class__ = C` (the state pattern) rather than a new object at a dead one's address:
        the line assigns a `__class__`, and CPython moved the values into a dict for the
        assignment, so that the instance refers to that dict and its class only, and the dict holds
        exactly the objects the shadow gives it. If so the model's instance becomes a C
        (`setclass`)."""
        if (not self.assigning_class or self.kind.get(oid) != O.INSTANCE
                or self.classifier.kind(obj, self.preexisting) != O.INSTANCE):
            return False
        held = sorted(rid for rid in array('q', self.refs.get(oid, b'')) if rid >= 0)
        if not held:
            return False  # (an instance holding nothing, at a dead one's address, looks alike)
        tp = type(obj)
        referents = _get_referents(obj)
        if len(referents) != 2 or referents[1] is not tp or type(referents[0]) is not dict:
            return False
        label = self.label
        if sorted(i for i in map(id, dict.values(referents[0])) if i in label) != held:
            return False
        self.tname[oid] = tp.__name__
        self._forget_print(oid)
        text = '{"op":"setclass","id":"%s","type":%s' % (self.label[oid], quote(self.type_for(obj, O.INSTANCE, tp.__name__)))
        cid = id(tp)
        old = self.hidden.pop(oid, None)
        if cid in self.label:
            text += ',"class":"%s"' % self.label[cid]
            self.rc[cid] += 1
            self.hidden[oid] = cid
        self.emit(text + '}')
        if old is not None:
            self.release(old)
        return True

    def _reused(self, obj, oid):
        """An object at an address the shadow still gives a live object of another type: that
        object died without the trace seeing it (a reference the trace missed). The model keeps
        it; the shadow forgets it, so that the new object is allocated as what it is."""
        if _DEBUG:
            sys.stderr.write('memprof record: %s (%s) reused by a %s\n' % (self.label[oid], self.tname.get(oid), type(obj).__name__))
        self.missed_deaths += 1
        self.forget(oid)

    def _drain(self, stack):
        """Describes the queued objects, queueing what they reach in turn."""
        pending_ids = self._pending_ids
        while stack:
            obj = stack.pop()
            kind = pending_ids[id(obj)]
            names, refs = self.describe(obj, kind)
            self._pending.append((obj, kind, names, refs))
            own = O.container_dict(obj, kind)
            if own is not None:
                self._queue_attribute_dict(own, obj, stack)
            if kind == O.INSTANCE:
                self._queue(type(obj), stack)
            if names is not None and kind == O.DICT:
                for key in names:
                    if type(key) is not str:
                        self._queue(key, stack)
            self._queue_refs(refs, stack)

    def _queue_refs(self, refs, stack):
        """`_queue` for every item of `refs`, with ints, strs, floats and bytes allocated on the spot:
        the loop a list of a million numbers goes through."""
        label = self.label
        pending = self._pending_ids
        preexisting = self.preexisting
        if len(refs) > _MANY:
            self._queue_many(refs, stack)
            return
        new_atoms = []
        tname = self.tname
        for ref in refs:
            if ref is None:
                continue
            oid = id(ref)
            if oid in label:
                if tname.get(oid) == type(ref).__name__ or self._reclassed(ref, oid):
                    continue
                self._reused(ref, oid)  # a new object at the address of one that died unseen
            if oid in pending:
                continue
            if type(ref) in _PLAIN_ATOMS and oid not in preexisting:
                new_atoms.append(ref)
            else:
                self._queue(ref, stack)
        if new_atoms:
            self._alloc_plain_atoms(new_atoms)

    def _queue_many(self, refs, stack):
        """`_queue_refs` of a big container, by whole-container operations: which of its objects are
        new, in the order they first appear; new ints, strs, floats and bytes are allocated together
        (`list(range(10**6))`), anything else is queued one by one."""
        ids = array('q', map(id, refs))
        known = [*map(or_, map(or_, map(self.label.__contains__, ids), map(self.preexisting.__contains__, ids)),
                      map(self._pending_ids.__contains__, ids))]
        if all(known):
            return  # a big list compared again, or `[0] * 10**7`: every item known, or the interpreter's own
        oids = array('q', compress(ids, map(not_, known)))
        objs = [*compress(refs, map(not_, known))]
        if {*map(type, objs)} <= _PLAIN_ATOMS:
            self._alloc_many_atoms(objs, oids)
            return
        atoms = []
        atom_ids = []
        for oid, obj in zip(oids, objs):
            if type(obj) in _PLAIN_ATOMS:
                atoms.append(obj)
                atom_ids.append(oid)
            else:
                self._queue(obj, stack)
        if atoms:
            self._alloc_many_atoms(atoms, atom_ids)

    def _alloc_plain_atoms(self, atoms):
        """`_alloc_atom` for a few objects of the built-in atomic types, none known yet (the same
        object may come twice)."""
        label = self.label
        kinds = self.kind
        tnames = self.tname
        sizes = self.size
        rc = self.rc
        lines = []
        event = lines.append
        n = self.next_label
        held = []
        atomic = O.ATOMIC
        for obj in atoms:
            oid = id(obj)
            if oid in label:
                continue
            n += 1
            name = 'o%d' % n
            tname = type(obj).__name__
            size = _getsizeof(obj)
            label[oid] = name
            kinds[oid] = atomic
            tnames[oid] = tname
            sizes[oid] = size
            rc[oid] = 1
            held.append(oid)
            event(_ALLOC_HELD % (name, tname, size))
        self.next_label = n
        self.trace.events(lines)
        self._held_bytes(self.current).extend(array('q', held).tobytes())

    def _alloc_many_atoms(self, atoms, oids):
        """`_alloc_plain_atoms` for many new objects (`oids`: their ids), by whole-list operations;
        a run of one type and one size (`list(range(10**6))`) is one repeat event."""
        label = self.label
        k = len(oids)
        n = self.next_label
        sizes = [*map(_getsizeof, atoms)]
        types = {*map(type, atoms)}
        run = k > _MANY and len(types) == 1 and len({*sizes}) == 1
        names = [*map(('o%d_%%d' % (n + 1)).__mod__, range(k))] if run else [*map('o%d'.__mod__, range(n + 1, n + k + 1))]
        before = len(label)
        label.update(zip(oids, names))
        if len(label) - before != k:
            # The same object more than once (`[s, s]`): allocated once, where it first comes.
            deque(map(label.pop, oids, repeat(None)), 0)
            first = {}
            first.update(zip(oids, atoms))
            self._alloc_many_atoms([*first.values()], [*first])
            return
        if run:
            self.next_label = n + 1
            tname = types.pop().__name__
            tnames = repeat(tname, k)
            events = [_ALLOC_RUN % (k, n + 1, tname, sizes[0])]
        else:
            self.next_label = n + k
            tnames = [*map(_name_of, map(type, atoms))]
            events = [*map(_ALLOC_HELD.__mod__, zip(names, tnames, sizes))]
        self.kind.update(zip(oids, repeat(O.ATOMIC)))
        self.tname.update(zip(oids, tnames))
        self.size.update(zip(oids, sizes))
        self.rc.update(zip(oids, repeat(1)))
        self.trace.events(events)
        self._held_bytes(self.current).extend(array('q', oids).tobytes())

    def _queue(self, obj, stack):
        if obj is None:
            return
        oid = id(obj)
        if oid in self.label and self.tname.get(oid) != type(obj).__name__ and not self._reclassed(obj, oid):
            self._reused(obj, oid)  # a new object at the address of one that died unseen
        if oid in self.label or oid in self._pending_ids or oid in self.own_dicts:
            return  # (an instance's own __dict__ is its instance's part in the model)
        kind = self.classifier.kind(obj, self.preexisting)
        if kind == O.EXTERNAL:
            return
        if kind == O.ATOMIC:
            self._alloc_atom(obj, oid)
            return
        self._pending_ids[oid] = kind
        stack.append(obj)

    def _alloc_atom(self, obj, oid):
        """Allocates an object that refers to nothing (an int, a str, bytes) at once: nothing has to
        exist before it. Millions of them make a list of numbers, so this path is kept short."""
        self.next_label += 1
        label = 'o%d' % self.next_label
        tname = type(obj).__name__
        size = _getsizeof(obj)
        self.label[oid] = label
        self.kind[oid] = O.ATOMIC
        self.tname[oid] = tname
        self.size[oid] = size
        self.rc[oid] = 1
        self._held_bytes(self.current).extend(oid.to_bytes(8, _BYTEORDER, signed=True))
        if tname not in _ATOM_TYPES:
            self.atomic_types[tname] = 1
            tname = quote(tname)[1:-1]
        self.emit('{"op":"alloc","id":"%s","type":"%s","size":%d,"hold":true}' % (label, tname, size))

    def emit_pending(self):
        """Allocates the queued objects, what an object refers to first (post order), so that most
        references go inline in the allocation. An object that refers back up a cycle is allocated
        empty and filled afterwards; a tuple's items always exist before it. Every new object is
        held by the frame until its line ends, so that none dies before the events that store it."""
        pending = self._pending
        if not pending:
            return
        by_id = {}
        for entry in pending:
            by_id[id(entry[0])] = entry
        order = []
        state = {}
        kids = {}
        for entry in pending:
            start = id(entry[0])
            if start in state:
                continue
            state[start] = 1
            work = [(start, 0)]
            while work:
                cur, i = work.pop()
                children = kids.get(cur)
                if children is None:
                    children = kids[cur] = self._children(by_id[cur], by_id)
                while i < len(children):
                    child = children[i]
                    i += 1
                    if child in by_id and child not in state:
                        state[child] = 1
                        work.append((cur, i))
                        work.append((child, 0))
                        break
                else:
                    order.append(cur)
        self._pending = []
        self._pending_ids = {}
        fill = []
        reserved = self._reserved
        for oid in order:
            if oid in self.label:
                continue
            obj, kind, names, refs = by_id[oid]
            if oid in self._attr_owner:
                fill.append(self._make_attribute_dict(by_id[oid]))
            elif kind == O.TUPLE or kind == O.FROZENSET:
                for child in kids[oid]:
                    if child in by_id and child not in self.label:
                        self._alloc_in_cycle(by_id[child], by_id, fill)
                self._alloc(obj, kind, names, refs)
            elif all(c not in by_id or c in self.label for c in kids[oid]):
                self._alloc(obj, kind, names, refs)
            else:
                self._alloc_in_cycle(by_id[oid], by_id, fill)
        reserved.clear()  # a label reserved for an object the trace does not follow stays unused
        if self._assign_after:
            for owner, did in self._assign_after.items():
                if owner in self.label and did in self.label and self.hidden.get(owner) != did:
                    self._assign_dict(owner, did)
            self._assign_after.clear()
        if fill:
            # The references of what was allocated empty are stored now, before anything refers
            # to those objects (changes queued before are kept for their own commit).
            queued = self._batch
            self._batch = []
            for obj, kind, names, refs in fill:
                self._change(obj, kind, names, refs)
            self.commit()
            self._batch = queued
        if self._weakrefs_due:
            self._library_weakrefs()

    def _library_weakrefs(self):
        """The weakrefs to the objects just allocated that a library keeps in registries of its own
        (`logging` keeps each handler's in `_handlerList` and in a WeakSet): the model makes them,
        held from outside, so that a collection that frees the referent frees them too, when
        their callbacks take them out, and counts them as CPython does."""
        due = self._weakrefs_due
        self._weakrefs_due = []
        for obj in due:
            for wr in weakref.getweakrefs(obj):
                if id(wr) not in self.label and _library_held(wr.__callback__):
                    self.discover(wr)
        self.emit_pending()

    def _children(self, entry, pending):
        """Ids of what a pending object refers to (its class first for an instance); of a big
        container's items, only those among `pending` (what the allocation order depends on)."""
        obj, kind, names, refs = entry
        if len(refs) > _MANY and pending.keys().isdisjoint(map(id, refs)):
            children = []
        else:
            children = [id(r) for r in refs if r is not None]
        if kind == O.INSTANCE:
            children.insert(0, id(type(obj)))
        elif kind == O.DICT:
            children.extend(id(k) for k in names if type(k) is not str)
            owner = self._attr_owner.get(id(obj))
            if owner is not None:
                children.insert(0, owner)  # (made by its owner's `materialize`)
        return children

    def _queue_attribute_dict(self, own, owner, stack):
        """Queues the new __dict__ of `owner`, an instance of a container subclass; one that is an
        object of the trace (itself, a dict it was given) is assigned once both are allocated."""
        did = id(own)
        if own is owner or did in self.label:
            self._assign_after[id(owner)] = did
            return
        if did in self._pending_ids:
            return
        self._attr_owner[did] = id(owner)
        self._attr_dict_types.add(id(type(owner)))
        self._pending_ids[did] = O.DICT
        stack.append(own)

    def _make_attribute_dict(self, entry):
        """The model makes a container subclass instance's __dict__ (`materialize`), which is
        `<owner>.__dict__` from then on, held by its owner; returns the entry to fill."""
        obj = entry[0]
        oid = id(obj)
        owner = self._attr_owner.pop(oid)
        owner_label = self.label[owner]
        size = _getsizeof(obj)
        self.label[oid] = owner_label + '.__dict__'
        self.kind[oid] = O.DICT
        self.tname[oid] = 'dict'
        self.size[oid] = size
        self.rc[oid] = 1
        self.refs[oid] = b''
        self.names[oid] = ''
        self.hidden[owner] = oid
        self.emit('{"op":"materialize","id":"%s","size":%d}' % (owner_label, size))
        return entry

    def _rescan_attributes(self, obj, oid, kind):
        """An instance of a container subclass: its __dict__ is compared, or queued when new."""
        if oid not in self.hidden and len(obj) > _MANY and id(type(obj)) not in self._attr_dict_types:
            return
        own = O.container_dict(obj, kind)
        if own is None:
            return
        did = id(own)
        if self.hidden.get(oid) == did:
            if type(own) is dict:
                self.rescan(own)  # (a dict subclass instance, itself or another, is compared when named)
            return
        if own is obj or did in self.label:
            self._assign_dict(oid, did)
            return
        stack = []
        if oid in self.hidden:
            # `obj.__dict__ = {...}` replaced the dict it had: a new dict, assigned once allocated.
            self._queue(own, stack)
            self._drain(stack)
            self._assign_after[oid] = did
            return
        self._queue_attribute_dict(own, obj, stack)
        self._drain(stack)

    def _assign_dict(self, owner, did):
        """`obj.__dict__ = d` of an instance of a container subclass and a dict the trace has: the
        model's instance refers to it from now on, and lets go of the dict it had."""
        self.emit('{"op":"materialize","id":"%s","dict":"%s"}' % (self.label[owner], self.label[did]))
        self.rc[did] += 1
        old = self.hidden.get(owner)
        self.hidden[owner] = did
        if old is not None:
            self.release(old)

    def _label_ahead(self, obj):
        """The label of an object that may not be allocated yet (it will be in this batch)."""
        oid = id(obj)
        label = self.label.get(oid) or self._reserved.get(oid)
        if label is None:
            label = self._reserved[oid] = self.new_label()
        return label

    def _shadow_new(self, obj, kind):
        """A new object in the shadow, held by the current frame's stack as its `"hold": true`
        allocation is in the model."""
        oid = id(obj)
        label = self._reserved.pop(oid, None) or self.new_label()
        if self.orphans:
            self.orphans.pop(oid, None)  # the garbage that was here has been freed
        self.label[oid] = label
        self.kind[oid] = kind
        if _getweakrefcount(obj):
            self._weakrefs_due.append(obj)  # (looked at once it is allocated: emit_pending)
        tname = O.type_name(obj)
        self.tname[oid] = tname
        size = _getsizeof(obj)
        self.size[oid] = size
        self.rc[oid] = 1
        self.refs[oid] = b''
        self.names[oid] = ''
        self._held_bytes(self.current).extend(oid.to_bytes(8, sys.byteorder, signed=True))
        if type(obj) in _SUSPENDED_FLAG:
            self._note_generator(obj, oid)
        return oid, label, tname, size

    def _held_bytes(self, frame):
        # A bytearray (not a GC object) of ids, appended to in place.
        held = self.frame_held.get(frame)
        if held is None:
            held = self.frame_held[frame] = bytearray()
        return held

    def hold(self, frame, oid):
        """The frame's stack holds the object until the frame's line ends (the model's `hold`)."""
        self.rc[oid] += 1
        self._held_bytes(frame).extend(oid.to_bytes(8, sys.byteorder, signed=True))

    def pass_argument(self, caller, callee, oid):
        """An argument goes into the callee's frame (the model's `call` `args`): a value a call
        returned to the caller moves from the caller's stack, else the callee takes a hold."""
        returned = self.frame_returned.get(caller)
        needle = oid.to_bytes(8, _BYTEORDER, signed=True)
        if returned and _remove_last(returned, needle):
            _remove_last(self.frame_held[caller], needle)
            self._held_bytes(callee).extend(needle)
            return
        self.hold(callee, oid)

    def hold_returned(self, frame, oid):
        """A returned value the caller's stack holds (the model's `return` `keep`)."""
        self.hold(frame, oid)
        returned = self.frame_returned.get(frame)
        if returned is None:
            returned = self.frame_returned[frame] = bytearray()
        returned.extend(oid.to_bytes(8, _BYTEORDER, signed=True))

    def keep_returned(self, frame, obj, oid):
        """A returned object that the trace already holds elsewhere (a list read through a
        property or a descriptor's `__get__`) may be changed by the rest of the caller's line,
        `a.books.append(b)`, where no name of the line leads to it: it is kept until that line
        ends, for `returned_to` (the model's frame holds it that long too). Not a new object that
        only the caller's stack holds: the program may drop it before the line ends."""
        if self.kind.get(oid) in _CHANGEABLE_KINDS and self.rc.get(oid, 0) > 1:
            self.kept_objects.append(obj)
            self.kept_frames.append(frame)

    def let_go_of_returned(self):
        """The program ended: nothing `keep_returned` kept outlives it."""
        del self.kept_objects[:], self.kept_frames[:]

    def returned_to(self, frame):
        """The objects `keep_returned` kept for the frame's line."""
        frames = self.kept_frames
        return [obj for obj, at in zip(self.kept_objects, frames) if at == frame] if frame in frames else ()

    def release_held(self, frame):
        """The frame's line ended: what its stack held goes, last first."""
        self.frame_returned.pop(frame, None)
        if frame in self.kept_frames:
            for at in range(len(self.kept_frames) - 1, -1, -1):
                if self.kept_frames[at] == frame:
                    del self.kept_frames[at], self.kept_objects[at]
        held = self.frame_held.pop(frame, None)
        if held:
            ids = array('q', held)
            if len(ids) > _MANY:
                ids = self._drop_atoms(ids)
            ids.reverse()
            rc = self.rc
            kinds = self.kind
            release = self.release
            for oid in ids:
                n = rc.get(oid)
                if n is not None and n > 1 and kinds.get(oid) == O.ATOMIC:
                    rc[oid] = n - 1
                else:
                    release(oid)

    def _alloc_in_cycle(self, entry, by_id, fill):
        """Allocates an object of a cycle before what it refers to: empty, its references stored
        afterwards (the entry goes to `fill`). A weakref's referent is fixed when it is made: the
        referent is allocated empty first (and so is the callback it holds), then the weakref (a
        WeakValueDictionary's `_remove` holds a weakref to the dictionary in its defaults)."""
        obj, kind, names, refs = entry
        if kind == O.WEAKREF and refs and refs[0] is not None:
            for ref in refs:  # its referent, then the callback it holds
                rid = id(ref)
                if rid in by_id and rid not in self.label and by_id[rid][1] not in (O.TUPLE, O.FROZENSET):
                    fill.append(self._alloc_empty(by_id[rid]))
            target = id(refs[0])
            if target not in by_id or target in self.label:
                self._alloc(obj, kind, names, refs)
                return
        fill.append(self._alloc_empty(entry))

    def _alloc_empty(self, entry):
        """Allocates a mutable object without its references; returns the entry to fill."""
        obj, kind, names, refs = entry
        oid, label, tname, size = self._shadow_new(obj, kind)
        parts = ['{"op":"alloc","id":"%s","type":%s,"size":%d' % (label, quote(self.type_for(obj, kind, tname)), size)]
        self._class_ref(obj, kind, oid, parts)
        if kind == O.DICT and _tracked_for_itself(obj):
            parts.append(',"tracked":true')
        parts.append(',"hold":true}')
        self.emit(''.join(parts))
        if oid in self._to_materialize:
            self._materialize(oid)
        self._own_running_frame(obj, oid, label)
        return entry

    def _own_running_frame(self, obj, oid, label):
        """A frame object whose frame is still executing (a traceback's frame caught in the
        function, a returning call's caller as its `f_back`) is owned by that frame until it
        finishes, a reference from outside the heap (`frame_finished` lets it go)."""
        if type(obj) is _FRAME and self.running is not None and self.running(obj):
            self.emit('{"op":"incref","id":"%s"}' % label)
            self.external[oid] = self.external.get(oid, 0) + 1
            self.rc[oid] += 1
            self.running_frames[oid] = 1

    def frame_finished(self, oid):
        """The frame finished (its frame object took over what it needs): it lets its frame object go."""
        if self.running_frames.pop(oid, None) is not None and oid in self.label:
            self.emit('{"op":"decref","id":"%s"}' % self.label[oid])
            self.external[oid] -= 1
            self.release(oid)

    def _class_ref(self, obj, kind, oid, parts):
        if kind != O.INSTANCE:
            return
        cid = id(type(obj))
        if cid in self.label:
            self.hidden[oid] = cid
            self.rc[cid] += 1
            parts.append(',"class":"%s"' % self.label[cid])

    def _alloc(self, obj, kind, names, refs):
        """Allocates an object whose references all exist: they go inline."""
        oid, label, tname, size = self._shadow_new(obj, kind)
        if kind == O.WEAKREF:
            tid = self._idof(refs[0]) if refs else -1
            text = '{"op":"weakref","id":"%s","to":%s' % (label, '"@external"' if tid < 0 else self.ref_of(tid))
            if type(obj) is not weakref.ref:
                text += ',"type":%s' % quote(self.type_for(obj, kind, tname))
            text += ',"size":%d' % size
            callback = getattr(obj, '__callback__', None)
            held = False
            if callback is not None:
                text += ',"callback":%s' % quote(getattr(callback, '__qualname__', None) or type(callback).__name__)
                container = _discarded_from(callback)
                if _is_finalize(callback) or _library_held(callback):
                    # weakref.finalize's registry holds the weakref (through its _Info) until the
                    # callback, run when the referent dies, takes it out; so do logging's.
                    text += ',"discard":"@external"'
                    held = True
                    if tid >= 0:
                        self.discard_container[oid] = _C_HOLD
                        self.discard_by_target.setdefault(tid, []).append(oid)
                elif container is not None:
                    text += ',"discard":"%s"' % self._label_ahead(container)
                    if tid >= 0:
                        self.discard_container[oid] = id(container)
                        self.discard_by_target.setdefault(tid, []).append(oid)
                elif tid >= 0:
                    self.program_callbacks[oid] = tid
                cid = self._idof(refs[1]) if len(refs) > 1 and tid >= 0 else -1
                if cid >= 0:
                    # The weakref holds its callback until the referent dies by reference counting.
                    text += ',"callable":%s' % self.ref_of(cid)
                    self.rc[cid] += 1
                    self.refs[oid] = array('q', [cid]).tobytes()
                    self.callables_by_target.setdefault(tid, []).append(oid)
            self.emit(text + ',"hold":true}')
            if held:
                self.emit('{"op":"incref","id":"%s"}' % label)
                self.external[oid] = self.external.get(oid, 0) + 1
                self.rc[oid] += 1
            return
        parts = ['{"op":"alloc","id":"%s","type":%s,"size":%d' % (label, quote(self.type_for(obj, kind, tname)), size)]
        self._class_ref(obj, kind, oid, parts)
        stored_names, ids = self._stored(kind, names, refs)
        if kind in (O.LIST, O.TUPLE):
            parts.append(self._items_text(ids))
        elif kind in (O.SET, O.FROZENSET):
            if ids:
                parts.append(',"items":[%s]' % ','.join(self.ref_of(i) for i in ids))
        elif stored_names:
            fields = []
            entries = []
            for name, rid in zip(stored_names, ids):
                if kind == O.DICT and name[0] == 'k':
                    entries.append('["%s",%s]' % (_key_label(name), self.ref_of(rid)))
                else:
                    fields.append('%s:%s' % (quote(name[1:] if kind == O.DICT else name), self.ref_of(rid)))
            if fields:
                parts.append(',"fields":{%s}' % ','.join(fields))
            if entries:
                parts.append(',"entries":[%s]' % ','.join(entries))
        if kind == O.DICT and _tracked_for_itself(obj):
            parts.append(',"tracked":true')
        parts.append(',"hold":true}')
        self.emit(''.join(parts))
        if oid in self._to_materialize:
            self._materialize(oid)
        self._own_running_frame(obj, oid, label)
        self._keep_mapping(oid, stored_names, ids, obj)
        self._incref_all(ids)
        if kind == O.DICT:
            for kid in _key_ids(stored_names):
                self.rc[kid] += 1  # a dict holds its keys

    def notice_untraced_changes(self, collecting=False):
        """What code the trace does not follow changed in the program's objects since the trace
        last looked at them, looked for before each full collection and at the end, where an object
        more or less is counted: instances whose __dict__ it made (3.11, 3.12: copy.deepcopy,
        pickle), the caches `isinstance` and `issubclass` fill in an abstract class's
        `_abc_impl`, a class's namespace (the `__slotnames__` that copy and pickle store there),
        a function (the `__qualname__`, `__doc__` and `__wrapped__` a decorator gives it), any
        list or set a library changed (the set a dataclass's `__repr__` keeps in its closure), any
        dict, what a C object holds (a deque, a cell), and the instances of a library's classes,
        which its own code changes (`asyncio.run` closes its event loop, which lets go of its
        selector: the cycles the trace saw there are gone before the collection). Each is
        rescanned, which says what changed: a dict or namespace if its version tag moved, a list
        or set if its length or size did. Before a collection (`collecting`), what died unseen is
        let go of too (_let_go_of_the_dead)."""
        kinds = self.kind
        label = self.label
        refs = self.refs
        sizes = self.size
        materialized = self.materialized
        look_for_dicts = not _INLINE_VALUES_KEPT
        held = self._held_bytes(self.current)
        before = len(held)
        # The lists this makes go as soon as they are read: with no collection meanwhile, the
        # program's allocation count is where it was (an automatic pass here would be the recorder's).
        enabled = gc.isenabled()
        gc.disable()
        try:
            objects = gc.get_objects()
            if collecting:
                self._let_go_of_the_dead(objects)
            for obj in objects:
                oid = id(obj)
                if oid not in label:
                    continue
                kind = kinds.get(oid)
                if type(obj) is _ABC_DATA or kind == O.FUNCTION:
                    self.rescan(obj)
                elif isinstance(obj, type):
                    namespace = O.class_namespace(obj)
                    if namespace is not None and id(namespace) in label:
                        self.rescan(namespace)
                elif kind == O.LIST or kind == O.SET:
                    if len(obj) != len(refs.get(oid, b"")) >> 3 or _getsizeof(obj) != sizes.get(oid):
                        self.rescan(obj)
                elif kind == O.DICT:
                    self.rescan(obj)  # (at once unless its version tag moved)
                elif kind == O.INSTANCE and self.is_foreign(obj):
                    self.rescan(obj)  # (a library's object: its own code changes it, `loop.close()`)
                    for ref in _get_referents(obj):
                        # Its dicts of atoms too, which the collector does not track (a
                        # logger's `_cache`, which `setLevel` clears).
                        if type(ref) is dict and id(ref) in label and not _is_tracked(ref):
                            self.rescan(ref)
                elif look_for_dicts and kind == O.INSTANCE and oid not in materialized:
                    referents = _get_referents(obj)
                    if len(referents) >= 2 and type(referents[-2]) is dict and referents[-1] is type(obj):
                        self.rescan(obj)
                elif kind == O.GENERIC and type(obj) is not _FRAME and type(obj) not in _SUSPENDED_FLAG:
                    self.rescan(obj)  # (a deque, a cell, what a C object holds)
        finally:
            if enabled:
                gc.enable()
        self.emit_changes()
        if self.frame_held.get(self.current) is held and len(held) > before:
            # What this found is older than the line: the frame's stack does not hold it (it
            # would keep a copy's cycle alive through the collection about to run).
            found = array('q', held[before:])
            del held[before:]
            self.emit('{"op":"release","ids":[%s]}' % ','.join('"%s"' % label[oid] for oid in found))
            for oid in found:
                self.release(oid)

    def _let_go_of_the_dead(self, objects):
        """Lists, sets and instances of the shadow whose real object is gone (not among `objects`,
        every object the collector tracks, which these always are) died where the trace did not
        see: library code let go of them, with what held them, after it had undone their cycles
        (`asyncio.run` closes its event loop, whose selector and the selector's map refer to each
        other). In the model each lets go of what it holds, so that it dies by reference counting
        as it did, not in the collection about to run. (Not while the program has frozen objects:
        those are not among `objects`.)"""
        if self.program_froze:
            return
        alive = {*map(id, objects)}
        kinds = self.kind
        mortal = (O.LIST, O.SET, O.INSTANCE)
        dead = [oid for oid in self.refs if oid not in alive and kinds.get(oid) in mortal]
        if not dead:
            return
        # Held while they let go of each other, so that none is freed before its own turn.
        names = [self.label[oid] for oid in dead]
        held = self._held_bytes(self.current)
        before = len(held)
        for oid, name in zip(dead, names):
            self.emit('{"op":"hold","id":"%s"}' % name)
            self.hold(self.current, oid)
        for oid in dead:
            kind = kinds[oid]
            if kind == O.LIST:
                self._diff_list(oid, [])
            elif kind == O.SET:
                self._diff_set(oid, [])
            else:
                self._diff_mapping(oid, kind, [], [], None)
        self.commit()
        del held[before:]
        self.emit('{"op":"release","ids":[%s]}' % ','.join('"%s"' % name for name in names))
        for oid in dead:
            self.release(oid)

    def is_foreign(self, obj):
        """Whether an instance's class comes from code the trace does not follow."""
        tp = type(obj)
        foreign = self.foreign_types.get(id(tp))
        if foreign is None:
            foreign = self.foreign_types[id(tp)] = self.classifier.kind(tp, ()) == O.EXTERNAL
        return foreign

    def notice_finalizers(self):
        """The weakrefs of the weakref.finalize objects made since the last line: the trace does
        not reach them (the finalize class's registry holds them), but a collection that frees
        their referent counts each."""
        registry = _finalize_registry()
        if id(registry) != self.finalize_registry:
            # The program imported `weakref` (a module of its own, with a registry of its own).
            self.finalize_registry = id(registry)
            self.finalize_count = 0
            self.finalizers_seen = set()
        if len(registry) == self.finalize_count:
            return
        seen = self.finalizers_seen
        if len(registry) < self.finalize_count:
            alive = set(map(id, registry))
            seen &= alive
            self._finalizers_gone(alive)
        self.finalize_count = len(registry)
        new = []
        for finalizer in reversed(registry):  # (new ones are added at its end)
            if id(finalizer) in seen:
                break
            new.append(finalizer)
        if not new:
            return
        seen.update(map(id, new))
        for finalizer in reversed(new):
            wr = getattr(registry.get(finalizer), 'weakref', None)
            target = wr() if wr is not None else None
            if target is not None and id(target) in self.label and self.discover(wr) >= 0:
                self.finalizer_weakrefs[id(finalizer)] = id(wr)
        self.emit_pending()
        for finalizer in new:
            fid = id(finalizer)
            if fid in self.finalizer_weakrefs and fid in self.label:
                # A finalizer the program keeps (self._finalizer = weakref.finalize(...)): the
                # registry holds it too, until its callback runs or the program detaches it.
                self.emit('{"op":"incref","id":"%s"}' % self.label[fid])
                self.external[fid] = self.external.get(fid, 0) + 1
                self.rc[fid] += 1

    def _finalizers_gone(self, alive):
        """Finalizers the registry let go of (the ids `alive` are those it keeps): called or
        detached by the program, their weakref dies, and so does a finalizer nothing else holds
        (the model dropped those whose referent died when their callback ran)."""
        for fid in [fid for fid in self.finalizer_weakrefs if fid not in alive]:
            for oid in (self.finalizer_weakrefs.pop(fid), fid):
                if self.external.get(oid) and oid in self.label:
                    self.emit('{"op":"decref","id":"%s"}' % self.label[oid])
                    self.external[oid] -= 1
                    self.discard_container.pop(oid, None)
                    self.release(oid)

    def _materialize(self, oid):
        """The instance's __dict__ has been made: its values move there in the model (before any
        change the same line made to them)."""
        size = self._to_materialize.pop(oid)
        self.emit('{"op":"materialize","id":"%s","size":%d}' % (self.label[oid], size))
        self.own_dict_size[oid] = (size, 0)

    def _incref_all(self, ids):
        """One more shadow reference to each of `ids` (-1: none)."""
        rc = self.rc
        if len(ids) > _MANY:
            ids = array('q', compress(ids, map(le, repeat(0), ids)))
            # (dict.update takes the pairs one by one: an id held twice gains two references.)
            rc.update(zip(ids, map(add, map(rc.__getitem__, ids), repeat(1))))
            return
        for rid in ids:
            if rid >= 0:
                rc[rid] += 1

    def _stored(self, kind, names, refs):
        """What the trace stores of a description: (names, shadow ids). Lists and tuples keep a place
        for every item (None and objects outside the trace are null); sets keep traced items; dicts
        keep every key (a str key or one outside the trace by its text, a traced key object by its
        label); instances keep every attribute (one set to None takes its place among the class's
        shared keys as any other); generic objects keep the slots that hold traced objects."""
        if kind == O.LIST:
            return [], _shadow_ids(refs, self.label)
        if kind == O.TUPLE:
            ids = _shadow_ids(refs, self.label)
            if len(ids) <= _MANY:
                # (A tuple that holds an object the collector tracks stays tracked: untrack_tuples.)
                for i, rid in enumerate(ids):
                    if rid < 0 and refs[i] is not None and _is_tracked(refs[i]):
                        ids[i] = _OUTSIDE
            return [], ids
        if kind == O.SET or kind == O.FROZENSET:
            return [], [i for i in (self._idof(r) for r in refs) if i >= 0]
        stored_names = []
        ids = []
        for i, ref in enumerate(refs):
            rid = self._idof(ref)
            if kind == O.DICT:
                if rid < 0 and ref is not None and _is_tracked(ref):
                    rid = _OUTSIDE  # (a dict holding one stays tracked: MAINTAIN_TRACKING)
                name = names[i]
                if type(name) is not str:
                    kid = id(name)
                    if kid not in self.label:
                        continue
                    name = 'k%s\x01%d' % (self.label[kid], kid)
            else:
                if rid < 0 and kind != O.INSTANCE:
                    continue
                name = names[i] if names is not None else 'r%d' % i
            stored_names.append(name)
            ids.append(rid)
        return stored_names, ids

    def type_for(self, obj, kind, tname):
        """The type name the trace allocates; the header declares what the model needs to know
        about it besides its name (fixed slots, a finalizer)."""
        if kind == O.INSTANCE:
            tname = self._instance_type_name(type(obj), tname)
        if kind == O.INSTANCE and tname not in self.type_slots:
            tp = type(obj)
            slots = O.slot_names(tp)
            self.type_slots[tname] = '\0'.join(slots) if slots and not _has_dict(tp) else ''

            if getattr(tp, '__del__', None) is not None:
                self.finalizer_types[tname] = 'del'
        elif kind in _CONTAINER_NAMES and tname != _CONTAINER_NAMES[kind] and tname not in self.type_bases:
            self.type_bases[tname] = _CONTAINER_NAMES[kind]
        elif kind == O.GENERIC:
            # Described by what it refers to (r0, r1, … in traversal order): fixed slots, never a
            # __dict__ however many (an lru_cache wrapper refers to every key and result it keeps).
            self.generic_types[tname] = 1
        return tname

    def _instance_type_name(self, tp, tname):
        """The trace's name for a class: its own, unless its module now names a C type so (the
        pure-Python classes datetime.py defines, then replaces with `_datetime`'s): the model knows
        a type by its name, and the C type's objects are atomic. The replaced class's objects are
        the module's garbage, never in the census."""
        name = self.instance_type_names.get(id(tp))
        if name is None:
            module = sys.modules.get(getattr(tp, '__module__', None) or '')
            current = vars(module).get(tname) if module is not None else None
            replaced = isinstance(current, type) and current is not tp and not current.__flags__ & O.HEAPTYPE
            name = self.instance_type_names[id(tp)] = tname + ' (replaced)' if replaced else tname
        return name

    # ------------------------------------------------------------------------------------------
    # Shadow references

    def release(self, oid):
        """One shadow reference to `oid` went: at zero the model frees it, and what it held."""
        rc = self.rc
        kinds = self.kind
        external = self.external
        atomic = O.ATOMIC
        stack = [oid]
        while stack:
            cur = stack.pop()
            n = rc.get(cur)
            if n is None:  # None, an object outside the trace, or one forgotten already
                continue
            n -= 1
            kind = kinds.get(cur)
            if n > 0 or (external and external.get(cur, 0) > 0):
                rc[cur] = n
                if kind != atomic:  # an int or a str holds nothing: never in a cycle
                    self.suspects.add(cur)
                continue
            # Dead in the model: forget it and what it held.
            if kind == atomic:
                del self.label[cur], kinds[cur], self.tname[cur], self.size[cur], rc[cur]
                continue
            # (Ids are addresses, whose top bytes are zero: eight 0xff bytes are always a -1.)
            held = array('q', self.refs.get(cur, b'').replace(_UNTRACED_BYTES, b''))
            if len(held) > _MANY:
                self._release_atoms(held, stack)
            else:
                stack.extend(held)
            if cur in self.callables_by_target:
                # Its weakrefs' callbacks ran, and the weakrefs let go of them (PyObject_ClearWeakRefs).
                for wr in self.callables_by_target.pop(cur):
                    if wr in self.label:
                        stack.extend(array('q', self.refs.get(wr, b'')))
                        self.refs[wr] = b''
            if kind == O.DICT:
                stack.extend(_key_ids(self._mapping_shadow(cur)[0]))
            cid = self.hidden.pop(cur, None)
            if cid is not None:
                stack.append(cid)
            self.forget(cur)

    def _drop_atoms(self, ids):
        """Takes one shadow reference per occurrence in `ids` from the ints and strs among them, all
        at once; returns the other ids in order, then the atoms whose last reference that was
        (given it back, for `release` to take)."""
        rc = self.rc
        is_atom = [*map(eq, map(self.kind.get, ids), repeat(O.ATOMIC))]
        atoms = array('q', compress(ids, is_atom))
        # (dict.update takes the pairs one by one: an id held twice loses two references.)
        rc.update(zip(atoms, map(sub, map(rc.__getitem__, atoms), repeat(1))))
        rest = array('q', compress(ids, map(not_, is_atom)))
        dead = {}
        dead.update(zip(compress(atoms, map(not_, map(rc.__getitem__, atoms))), repeat(1)))
        if dead:
            rc.update(dead)
            rest.extend(dead)
        return rest

    def _release_atoms(self, ids, stack):
        """`release` of the many items of a dead list or tuple: each int or str among them loses
        as many references as it held there, at once; the other objects go on `stack`."""
        rc = self.rc
        kinds = self.kind
        external = self.external
        atomic = O.ATOMIC
        ids = array('q', compress(ids, map(rc.__contains__, ids)))  # the items the shadow counts
        if (all(map(eq, map(kinds.get, ids), repeat(atomic))) and all(map(eq, map(rc.__getitem__, ids), repeat(1)))
                and not (external and any(map(external.get, ids)))):
            # The common end of a list of numbers: each item held by it alone (so there once).
            for table in (self.label, kinds, self.tname, self.size, rc):
                deque(map(table.__delitem__, ids), 0)
            return
        counts = {}
        _count_elements(counts, ids)
        dead = []
        for cur, k in counts.items():
            n = rc[cur]
            if kinds.get(cur) != atomic:
                stack.extend(repeat(cur, k))
            elif n > k or (external and external.get(cur, 0) > 0):
                rc[cur] = n - k
            else:
                dead.append(cur)
        for table in (self.label, kinds, self.tname, self.size, rc):
            deque(map(table.__delitem__, dead), 0)

    def forget(self, oid):
        if oid in self.discard_by_target:
            self._callbacks_discard(oid)
        self.discard_container.pop(oid, None)
        self.program_callbacks.pop(oid, None)
        self.callables_by_target.pop(oid, None)  # (a collection freed it: its weakrefs keep their callbacks)
        self.label.pop(oid, None)
        self.kind.pop(oid, None)
        self.tname.pop(oid, None)
        self.size.pop(oid, None)
        if oid in self.big:
            self._drop_index(oid)
        self.dict_version.pop(oid, None)
        self.refs.pop(oid, None)
        self.names.pop(oid, None)
        self.rc.pop(oid, None)
        self.hidden.pop(oid, None)
        self.suspects.discard(oid)
        self.generators.pop(oid, None)
        self._forget_print(oid)
        if oid in self.materialized:
            self.own_dicts.pop(self.materialized.pop(oid), None)
            self.own_dict_size.pop(oid, None)
            self._to_materialize.pop(oid, None)

    def _callbacks_discard(self, target):
        """`target` died: the callbacks of the library weakrefs to it have taken them out of their
        containers (the model's weakrefs say so with "discard"), so the shadow does as well."""
        for wr in self.discard_by_target.pop(target, ()):
            container = self.discard_container.pop(wr, None)
            if container == _C_HOLD and self.external.get(wr):
                self.external[wr] -= 1
                self.release(wr)
                continue
            if container is None or wr not in self.label or container not in self.label:
                continue
            names, ids = self._mapping_shadow(container)
            key = 'k%s\x01%d' % (self.label[wr], wr)
            dropped = []
            for i in range(len(ids)):
                if ids[i] == wr or (i < len(names) and names[i] == key):
                    dropped.append(i)
                    break
            if not dropped:
                continue
            i = dropped[0]
            gone = ids.pop(i)
            if i < len(names):
                names.pop(i)
                self._keep_mapping(container, names, ids)
            else:
                self.refs[container] = array('q', ids).tobytes()
            if gone >= 0:
                self.release(gone)
            if gone != wr:
                self.release(wr)  # the weakref was the entry's key

    def _reached(self):
        """The ids of the shadow objects a root reaches: the frames' names and evaluation stacks,
        references from outside the trace, what the interpreter holds for the program."""
        reached = set()
        stack = []
        for values in self.frame_values.values():
            for rid in array('q', values):
                if rid >= 0 and rid not in reached:
                    reached.add(rid)
                    stack.append(rid)
        for rid, count in self.external.items():
            # A class body's namespace keeps its entry at 0 once the class is made: its address
            # may hold another object by now.
            if count > 0 and rid in self.label and rid not in reached:
                reached.add(rid)
                stack.append(rid)
        for rid in self.holders:
            if rid in self.label and rid not in reached:
                reached.add(rid)
                stack.append(rid)
        for held in self.frame_held.values():
            # What a frame's evaluation stack holds (an untraced caller's arguments, a new object
            # not stored yet) is as reachable for the collector as what its names hold.
            for rid in array('q', held):
                if rid in self.label and rid not in reached:
                    reached.add(rid)
                    stack.append(rid)
        self._reach_from(stack, reached)
        return reached

    def _unreachable(self, suspects):
        """The shadow objects no root reaches, and a set of reached ones that holds every object
        the lost ones refer to. Only what the suspects reach can have lost its last path from the
        roots since the last collection (such an object lies below one that lost a reference), so
        they are looked for there, with the collector's own test: an object there is reached if
        more shadow references hold it than the others there account for, if the interpreter holds
        it, or if a reached one refers to it. When that part is most of the shadow, reachability is
        found from the roots instead."""
        label = self.label
        refs = self.refs
        kinds = self.kind
        hidden = self.hidden
        area = {oid for oid in suspects if oid in label}
        limit = len(label) >> 1
        inside = {}  # id -> how many references the area's objects hold to it
        stack = [*area]
        while stack:
            if len(area) > limit:
                reached = self._reached()
                return [oid for oid in label if oid not in reached], reached
            cur = stack.pop()
            kind = kinds.get(cur)
            targets = [rid for rid in array('q', refs.get(cur, b'')) if rid >= 0]
            if kind == O.DICT:
                targets += self._dict_key_ids(cur)
            c = hidden.get(cur)
            if c is not None:
                targets.append(c)
            for rid in targets:
                inside[rid] = inside.get(rid, 0) + 1
                if rid not in area:
                    area.add(rid)
                    stack.append(rid)
        rc = self.rc
        holders = self.holders
        reached = {oid for oid in area if rc.get(oid, 0) > inside.get(oid, 0) or oid in holders}
        self._reach_from([*reached], reached)
        return [oid for oid in area if oid not in reached and oid in label], reached

    def _reach_from(self, stack, reached):
        """Adds to `reached` everything the ids on `stack` (already in it) refer to, transitively."""
        refs = self.refs
        kinds = self.kind
        hidden = self.hidden
        while stack:
            cur = stack.pop()
            kind = kinds.get(cur)
            for rid in array('q', refs.get(cur, b'')):
                if rid >= 0 and rid not in reached:
                    reached.add(rid)
                    stack.append(rid)
            if kind == O.DICT:
                for rid in self._dict_key_ids(cur):
                    if rid not in reached:
                        reached.add(rid)
                        stack.append(rid)
            c = hidden.get(cur)
            if c is not None and c not in reached:
                reached.add(c)
                stack.append(c)

    # ------------------------------------------------------------------------------------------
    # Generators closed by the collector

    def _note_generator(self, gen, oid):
        """Remembers whether a generator (or coroutine) has started: on 3.12+ the collector's
        close leaves a never-started one's frame as it is. 2 is added on 3.13 when its close clears
        the frame's locals only (see _close_generator)."""
        if not self.generators.get(oid):
            started = 1 if getattr(gen, _SUSPENDED_FLAG[type(gen)]) else 0
            if started and self.python == '3.13' and _yields_outside_try(gen):
                started = 3
            self.generators[oid] = started

    def untraced_garbage(self, generation):
        """Before a collection of `generation`: the garbage it will find that the trace never saw
        made, reference cycles that library code made and dropped (what `import dataclasses`
        leaves, the pure-Python json encoder's closures). Found as the collector finds it, over the
        same generations (Modules/gcmodule.c, update_refs, subtract_refs, move_unreachable): an
        object is reachable if more references reach it than the generations' objects hold, or if
        a reachable object refers to it. What the shadow's own garbage does not reach (an
        instance's __dict__ is the instance's part) is allocated in the model, then let go of: the
        model's collection finds it as the real one does."""
        objects = gc.get_objects() if generation >= 2 else gc.get_objects(0)
        if generation == 1:
            objects += gc.get_objects(1)
        n = len(objects)
        if n > _GARBAGE_LOOK_LIMIT:
            return
        refcounts = [*map(_getrefcount, objects)]  # each one more for `objects`, one for the call
        position = dict(zip(map(id, objects), count())).get
        for obj in objects:
            for ref in _get_referents(obj):
                at = position(id(ref))
                if at is not None:
                    refcounts[at] -= 1
        reachable = bytearray(n)
        stack = [at for at in range(n) if refcounts[at] > 2]
        for at in stack:
            reachable[at] = 1
        while stack:
            for ref in _get_referents(objects[stack.pop()]):
                at = position(id(ref))
                if at is not None and not reachable[at]:
                    reachable[at] = 1
                    stack.append(at)
        if all(reachable):
            return
        label = self.label
        orphans = self.orphans
        garbage = [obj for obj, seen in zip(objects, reachable) if not seen]
        del objects, refcounts, position
        # The model's garbage: the shadow's, and what it forgot as unreachable (orphans).
        modelled = [id(obj) in label or orphans.get(id(obj)) == type(obj).__name__ for obj in garbage]
        unseen = {id(obj): obj for obj, known in zip(garbage, modelled) if not known}
        if not unseen:
            return
        # What the model's garbage reaches is its own.
        stack = [*compress(garbage, modelled)]
        while stack and unseen:
            for ref in _get_referents(stack.pop()):
                if unseen.pop(id(ref), None) is not None:
                    stack.append(ref)
        del garbage, modelled, stack
        if unseen:
            self._alloc_garbage(unseen)

    def _alloc_garbage(self, unseen):
        """Allocates `unseen` (garbage, by id) with the references among them and to the shadow's
        objects, held by the frame, then lets go of it."""
        label = self.label
        pending_ids = self._pending_ids
        for oid, obj in unseen.items():
            kind = self.classifier.kind(obj, _NO_IDS)
            if kind == O.EXTERNAL or kind == O.ATOMIC:
                kind = O.FUNCTION if type(obj) is types.FunctionType else O.GENERIC
            pending_ids[oid] = kind
        # Instances first: a __dict__ an instance has made is the instance's part, not an object.
        described = {oid: self.describe(obj, O.INSTANCE) for oid, obj in unseen.items() if pending_ids[oid] == O.INSTANCE}
        for oid in [oid for oid in unseen if oid in self.own_dicts]:
            del unseen[oid], pending_ids[oid]
        stack = []
        for oid, obj in unseen.items():
            kind = pending_ids[oid]
            names, refs = described.get(oid) or self.describe(obj, kind)
            # (What the trace does not follow is null, or "@external" in a dict or tuple if the collector tracks it.)
            refs = [ref if ref is not None and (id(ref) in label or id(ref) in unseen or _is_tracked(ref)) else None for ref in refs]
            if kind == O.DICT:
                names = [key if type(key) is str or id(key) in label or id(key) in unseen else 'f#%d' % k for k, key in enumerate(names)]
            elif kind == O.INSTANCE:
                self._queue(type(obj), stack)
            self._pending.append((obj, kind, names, refs))
        del described
        self._drain(stack)
        self.emit_pending()
        labels = ['"%s"' % label[oid] for oid in unseen if oid in label]
        if not labels:
            return
        self.emit('{"op":"release","ids":[%s]}' % ','.join(labels))
        held = self.frame_held.get(self.current)
        if held:
            self.frame_held[self.current] = bytearray(array('q', [oid for oid in array('q', held) if oid not in unseen]).tobytes())
        for oid in unseen:
            if oid in label:
                self.suspects.add(oid)
                self.release(oid)

    def before_collection(self, generation):
        """A collection is about to run. Each suspended generator it finds unreachable is closed by
        its finalizer inside the collection (PEP 442, `_PyGen_Finalize`): GeneratorExit goes into
        its frame, which lets go of its locals, so a generator in a cycle (an object holding the
        generator whose frame holds the object) usually frees the whole cycle by reference counting,
        and the collection counts none of it. Nothing is traced inside the collector, so the model
        is told beforehand: the generator's frame lets go while C code holds the generator."""
        gens = self.generators
        if not gens:
            return
        refs = self.refs
        closable = [g for g, started in gens.items() if refs.get(g) and (started or self.python == '3.11')]
        if not closable:
            return
        reached = self._reached()
        doomed = [g for g in closable if g not in reached]
        if doomed and generation < 2:
            # A generator an older generation's object holds (or one in an older generation) is
            # not part of this collection.
            older = set()
            for g in range(generation + 1, 3):
                older.update(map(id, gc.get_objects(g)))
            outside = [oid for oid in self.label if oid in older and oid not in reached]
            held = set(outside)
            self._reach_from(outside, held)
            doomed = [g for g in doomed if g not in held]
        for g in doomed:
            if refs.get(g):
                self._close_generator(g)

    def _close_generator(self, oid):
        """The model's side of gen_close: the generator's frame drops its references. On 3.13 a
        frame suspended outside any try or with block only clears its locals: the generator keeps
        its function (and the frame object tracing made)."""
        label = self.label[oid]
        names = self.names[oid].split('\0')
        ids = array('q', self.refs[oid]).tolist()
        keep = _KEPT_BY_CLEARED_LOCALS if self.generators.get(oid) == 3 else ()
        kept_names = []
        kept_ids = []
        dropped = []
        self.emit('{"op":"incref","id":"%s"}' % label)
        self.rc[oid] += 1
        for name, rid in zip(names, ids):
            if rid >= 0 and self.tname.get(rid) in keep:
                kept_names.append(name)
                kept_ids.append(rid)
                continue
            self.emit('{"op":"unref","from":"%s","field":%s}' % (label, quote(name)))
            dropped.append(rid)
        self.names[oid] = '\0'.join(kept_names)
        self.refs[oid] = array('q', kept_ids).tobytes()
        for rid in dropped:
            if rid >= 0:
                self.release(rid)
        self.emit('{"op":"decref","id":"%s"}' % label)
        self.release(oid)

    def survivors(self, generation, frames=()):
        """After a full collection, before the model hears of it: the objects no root reaches in
        the shadow that the real collection left alive. A finalizer or a weakref callback, which run
        inside the collector where nothing is traced, resurrected them (`retry_queue.append(self)`
        in a `__del__`), or something outside the trace holds them. Each gets a reference from
        outside for the model's collection, so that it is not collected there either, until
        `settle_survivors` sees whether the program's own references reach it. A cell whose
        closures died is not resurrected: the function frame that made it (one of `frames`, the
        running frames of the model) holds it until it returns (`let_go_of_cells`)."""
        if generation != 2 or not self.suspects:
            return ''
        reached = self._reached()
        kinds = self.kind
        lost = {oid for oid in self.label if oid not in reached and kinds.get(oid) != O.ATOMIC}
        if not lost:
            return ''
        # A full collection leaves what it did not free in the oldest generation, resurrected
        # objects included; what was made since, the recorder's own cells and sets at a freed
        # object's address among them, is in the youngest.
        objects = gc.get_objects(2)
        tnames = self.tname
        freed = set(lost)  # (DEBUG_SAVEALL keeps some in gc.garbage, in the model too: not survivors)
        lost.difference_update(map(id, gc.garbage))
        for obj in compress(objects, map(lost.__contains__, map(id, objects))):
            oid = id(obj)
            if O.type_name(obj) != tnames.get(oid):
                continue  # a new object at a freed one's address
            if type(obj) is _CELL and self._hold_frame_cell(obj, oid, frames):
                continue
            self.emit('{"op":"incref","id":"%s"}' % self.label[oid])
            self.external[oid] = self.external.get(oid, 0) + 1
            self.rc[oid] += 1
            self.survived[oid] = self.rc[oid]
        return self._discarded_weakrefs(freed, objects)

    def _hold_frame_cell(self, cell, oid, frames):
        """Whether a running function frame of the model holds `cell` among its cell variables
        (the trace binds the frame's name to the cell's value, or unbinds it when the cell is
        empty): if so, the model's frame holds it from now until the frame returns."""
        running = set(frames)
        try:
            value = cell.cell_contents
        except ValueError:
            value = _EMPTY  # (`del name` emptied it)
        frame = sys._getframe(1)
        while frame is not None:
            names = frame.f_code.co_cellvars
            if names and id(frame) in running and not frame.f_code.co_flags & _CO_GENERATOR_LIKE:
                # (A running frame's cells are not among its referents: they are known by what
                # they hold, the frame's value of a cell variable.)
                local = frame.f_locals
                held = any(local.get(name, _EMPTY) is value for name in names)
            else:
                held = False
            if held:
                self.emit('{"op":"incref","id":"%s"}' % self.label[oid])
                self.external[oid] = self.external.get(oid, 0) + 1
                self.rc[oid] += 1
                self.frame_cells.setdefault(id(frame), []).append(oid)
                return True
            frame = frame.f_back
        return False

    def let_go_of_cells(self, key):
        """The function frame returned: the cells `_hold_frame_cell` gave it go with it."""
        for oid in self.frame_cells.pop(key, ()):
            if oid in self.rc:
                self.emit('{"op":"decref","id":"%s"}' % self.label[oid])
                self.external[oid] -= 1
                self.release(oid)

    def _discarded_weakrefs(self, lost, objects):
        """The weakrefs with a callback of the program's own whose referent the collection freed and
        which are gone too: the callback, run inside the collection, took each out of the dict or
        set that held it (`del self._handles[name]`), and CPython counts it as collected. Returns
        the gc.collect event's `discarded`; the shadow takes them out when the referent is forgotten."""
        candidates = {wr for wr, target in self.program_callbacks.items() if target in lost and wr in self.label}
        if not candidates:
            return ''
        alive = {id(o) for o in compress(objects, map(candidates.__contains__, map(id, objects))) if type(o).__name__ == self.tname.get(id(o))}
        gone = candidates - alive
        pairs = []
        if gone:
            for oid, data in self.refs.items():
                if self.kind.get(oid) not in (O.DICT, O.SET) or oid in lost:
                    continue
                for wr in gone.intersection(array('q', data)):
                    pairs.append('["%s","%s"]' % (self.label[wr], self.label[oid]))
                    target = self.program_callbacks.pop(wr)
                    self.discard_container[wr] = oid
                    self.discard_by_target.setdefault(target, []).append(wr)
                    gone.discard(wr)
        return ',"discarded":[%s]' % ','.join(pairs) if pairs else ''

    def settle_survivors(self):
        """At each line while there are survivors: once a reference to one has appeared (what the
        finalizer stored, seen when a line names the container), those the program's roots reach
        lose the reference from outside. The others keep it: something the trace does not see
        holds them."""
        rc = self.rc
        survived = self.survived
        if not any(rc.get(oid, 0) > count for oid, count in survived.items()):
            return
        external = self.external
        for oid in survived:
            if oid in rc:
                external[oid] -= 1
        reached = self._reached()
        kept = {}
        for oid in survived:
            if oid not in rc:
                continue
            if oid in reached:
                self.emit('{"op":"decref","id":"%s"}' % self.label[oid])
                self.release(oid)
            else:
                external[oid] += 1
                kept[oid] = rc[oid]
        self.survived = kept

    def after_collection(self, generation, collected):
        """A real collection ran: whatever no root reaches in the shadow is unreachable for the
        program too. The model frees it with its own collector (now, or when its generation is
        collected): the shadow forgets it, so that a new object at its address is seen as new."""
        if generation == 2:
            self.orphans.clear()  # a full collection freed all the garbage there was
        if not self.suspects:
            return
        lost, reached = self._unreachable(self.suspects)
        self.suspects.clear()
        if gc.garbage and lost:
            lost = self._saved(lost, reached)
        refs = self.refs
        kinds = self.kind
        hidden = self.hidden
        # What the collection did not free (it lies in an older generation) is garbage still
        # alive: the census at the end counts it if no later collection frees it.
        tracked = [oid for oid in lost if kinds.get(oid) != O.ATOMIC]
        if len(tracked) > collected and generation < 2:
            older = set()
            for g in range(generation + 1, 3):
                older.update(map(id, gc.get_objects(g)))
            for oid in tracked:
                if oid in older:
                    self.orphans[oid] = self.tname.get(oid, '')
        # (An object the shadow forgot, at an address a new object of another type took, is
        # reached through the ids that still name it, but counts no references.)
        rc = self.rc
        for oid in lost:
            for rid in array('q', refs.get(oid, b'')):
                if rid in reached and rid in rc:
                    rc[rid] -= 1
            if kinds.get(oid) == O.DICT:
                for rid in self._dict_key_ids(oid):
                    if rid in reached and rid in rc:
                        rc[rid] -= 1
            c = hidden.get(oid)
            if c is not None and c in reached and c in rc:
                rc[c] -= 1
        for oid in lost:
            self.forget(oid)

    # ------------------------------------------------------------------------------------------
    # Changes of existing objects

    def _saved(self, lost, reached):
        """Of the objects a collection found unreachable, those DEBUG_SAVEALL put in gc.garbage
        live on there, in the model too: the interpreter holds them (`holders`), and the shadow
        keeps them until the program empties gc.garbage (`notice_garbage_cleared`). Returns the
        others."""
        garbage = set(map(id, gc.garbage))
        kept = [oid for oid in lost if oid in garbage and self.kind.get(oid) != O.ATOMIC]
        if not kept:
            return lost
        for oid in kept:
            self.holders[oid] = 1
            if oid in self.discard_by_target:
                self._callbacks_discard(oid)  # (their weakrefs were cleared: the callbacks ran)
        self._reach_from([*kept], reached)
        self.garbage_length = len(gc.garbage)
        return [oid for oid in lost if oid not in reached]

    def notice_garbage_cleared(self):
        """The program emptied gc.garbage (`gc.garbage.clear()`, `del gc.garbage[:]`): what
        DEBUG_SAVEALL kept there is let go of, in the model as in the real run."""
        if not self.holders or len(gc.garbage) >= self.garbage_length:
            return
        self.emit('{"op":"gc.garbage.clear"}')
        self.suspects.update(self.holders)
        self.holders.clear()
        self.garbage_length = 0

    def rescan(self, obj):
        """Compares a known object with its shadow and writes what changed. New objects it now
        refers to are queued first; the changes are written by `emit_changes`. A dict whose version
        tag has not moved is unchanged; a big dict or list the line used in ways uses.py knows is
        compared where the line could have changed it."""
        oid = id(obj)
        kind = self.kind.get(oid)
        if kind is None or kind == O.WEAKREF or kind == O.ATOMIC:
            if kind == O.ATOMIC:
                self._check_size(obj, oid)
            return
        if kind in _CONTAINER_KINDS and type(obj).__dictoffset__:
            self._rescan_attributes(obj, oid, kind)
        elif kind == O.INSTANCE and self.tname.get(oid) != type(obj).__name__:
            self._reclassed(obj, oid)
        if kind == O.INSTANCE:
            seen = self.instance_prints.get(oid)
            if (seen is not None and self.printed_refs[oid] is self.refs.get(oid) and self.printed_names[oid] is self.names.get(oid)
                    and seen == _instance_print(obj)):
                return  # (an instance named by many lines, `a.next = b`, mostly has not changed)
        hint = self.hints.get(oid)
        if kind == O.DICT and _version is not None:
            version = _version(obj)
            if self.dict_version.get(oid) == version:
                return
            self.dict_version[oid] = version
            if hint is not None and oid in self.big and self._rescan_keys(obj, hint):
                return
        elif kind == O.LIST and hint is not None:
            # A list the line only read or changed at its end: code outside the trace (a finalizer,
            # a callback inside a collection) may still have appended to it, so its end is checked.
            if (hint[0] == U.READ or hint[0] == U.TAIL) and self._rescan_tail(obj, oid):
                return
        self._rescan_all(obj, oid, kind)

    def _rescan_keys(self, obj, hint):
        """`rescan` of an indexed dict at the keys the line stored or read (uses.py)."""
        keys = hint[2:]
        unnamed = hint[1]
        if hint[0] not in (U.STORE, U.READ) or not (keys or unnamed):
            return False
        named = len(keys)
        if unnamed:
            # Each store at a key the line computed must have added a key, at the dict's end.
            last = []
            for key in dict.__reversed__(obj):
                last.append(key)
                if len(last) >= unnamed + named:
                    break
            last.reverse()
            keys = [*keys, *last]
        for key in keys:
            if _vkey(key) is None:
                return False
        stack = []
        for key in keys:
            if type(key) is not str and id(key) not in self.label and hint[0] == U.STORE:
                self.discover(key)  # a key the line stored may be a new object
            value = dict.get(obj, key)
            if value is not None:
                self._queue_refs((value,), stack)
        self._drain(stack)
        self._changes.append((obj, _KEYS, keys, (named, unnamed)))
        return True

    def _rescan_tail(self, obj, oid):
        """`rescan` of a big list the line only read, appended to or popped from: the items past
        the old end are new, the others unchanged (the last few are checked)."""
        old = self.refs[oid]
        n = len(old) >> 3
        if n < _TAIL_MIN:
            return False
        m = len(obj)
        end = min(n, m)
        start = max(0, end - _TAIL_WINDOW)
        if _shadow_ids(obj[start:end], self.label).tobytes() != old[start * 8:end * 8]:
            return False
        if m > n:
            stack = []
            self._queue_refs(obj[n:], stack)
            self._drain(stack)
        self._changes.append((obj, _TAIL, None, None))
        return True

    def _rescan_all(self, obj, oid, kind):
        names, refs = self._discover_below(obj, oid, kind)
        self._changes.append((obj, kind, names, refs))

    def _discover_below(self, obj, oid, kind):
        """Queues the new objects a known object refers to (an instance's class, a dict's object
        keys too); returns its description, (names, refs)."""
        names, refs = self.describe(obj, kind)
        stack = []
        self._queue_refs(refs, stack)
        self._drain(stack)
        if kind == O.INSTANCE:
            tp = type(obj)
            if id(tp) not in self.label and oid not in self.hidden:
                self.discover(tp)
        if names is not None and kind == O.DICT:
            for key in names:
                if type(key) is not str and id(key) not in self.label:
                    self.discover(key)
        return names, refs

    def emit_changes(self):
        """Writes the changes `rescan` and the name comparisons found, after the new objects they
        refer to. Every new reference is counted before any old one is dropped, and an object that
        loses a reference and gains another in the same changes is held meanwhile, so that no
        object the program kept dies on the way in the model."""
        self.emit_pending()
        changes = self._changes
        self._changes = []
        for obj, kind, names, refs in changes:
            oid = id(obj)
            if oid not in self.label:
                continue
            if kind == _KEYS:
                if not self._change_keys(obj, oid, names, *refs):
                    self._change_all(obj, oid)
            elif kind == _TAIL:
                self._change_tail(obj, oid)
            else:
                self._change(obj, kind, names, refs)
            self._check_size(obj, oid)
        self.commit()

    def _change_all(self, obj, oid):
        """A change found by comparing at a few keys that did not account for all of it: the whole
        object is compared (its new objects allocated first)."""
        kind = self.kind[oid]
        names, refs = self._discover_below(obj, oid, kind)
        self.emit_pending()
        self._change(obj, kind, names, refs)

    def _change_keys(self, obj, oid, keys, named, unnamed):
        """Queues how an indexed dict differs from its shadow at `keys` (the first `named` the
        line's own, then its last keys); False when its length says that other keys changed too.
        When fewer than `unnamed` of its last keys are new, a store at a computed key replaced a
        value: its values are compared in order. The caller compares all of it on False."""
        label = self.label[oid]
        refs = self.refs[oid]
        slot_of = self.slot_of
        entries = self.slot_entry
        batch = self._batch
        done = {}
        found = 0
        for position, key in enumerate(keys):
            vkey = _vkey(key)
            if vkey in done:
                continue
            done[vkey] = 1
            where = '%d\x02%s' % (oid, vkey)
            slot = slot_of.get(where)
            value = dict.get(obj, key, _MISSING)
            if slot is None:
                if value is _MISSING:
                    continue
                token = self._token(key)
                if token is None:
                    return False
                rid = self._idof(value)
                batch.append((self._store(label, O.DICT, token, rid), (rid, id(key)) if token[0] == 'k' else (rid,), ()))
                slot = self.big[oid]
                slot_of[where] = slot
                entries[(oid << 32) | slot] = '%d:%s%s' % (len(vkey), vkey, token)
                refs.extend(rid.to_bytes(8, _BYTEORDER, signed=True))
                self.big[oid] = slot + 1
                self.big_live[oid] += 1
                if position >= named:
                    found += 1
                continue
            offset = slot * 8
            old = int.from_bytes(refs[offset:offset + 8], _BYTEORDER, signed=True)
            token = _slot_entry(entries[(oid << 32) | slot])[1]
            if value is _MISSING:
                removes = (old, _key_id(token)) if token[0] == 'k' else (old,)
                batch.append((self._delete(label, O.DICT, token), (), removes))
                refs[offset:offset + 8] = _GONE_BYTES
                del slot_of[where], entries[(oid << 32) | slot]
                self.big_live[oid] -= 1
                continue
            rid = self._idof(value)
            if rid != old:
                batch.append((self._store(label, O.DICT, token, rid), (rid,), (old,) if old >= 0 else ()))
                refs[offset:offset + 8] = rid.to_bytes(8, _BYTEORDER, signed=True)
        if self.big_live[oid] != len(obj):
            return False
        if found < unnamed and not self._change_values(obj, oid):
            return False
        if self.big[oid] > 2 * self.big_live[oid] + _BIG:
            self._index_dict(obj, oid)  # mostly deleted slots: the shadow is laid out again
        return True

    def _change_values(self, obj, oid):
        """Queues the values an indexed dict holds that differ from its shadow's, compared in
        order with its live slots: for stores at keys the line computed that replaced values in
        place (its keys are those of the shadow: the line neither added nor removed one). False
        if the dict's length says otherwise."""
        slots = array('q', self.refs[oid])
        live = array('q', compress(count(), map(ne, slots, repeat(_GONE))))
        values = [*dict.values(obj)]
        if len(values) != len(live):
            return False
        old = array('q', map(slots.__getitem__, live))
        new = _shadow_ids(values, self.label)
        changed = [*compress(count(), map(ne, old, new))]
        if not changed:
            return True
        new_ids = [self.discover(values[i]) if values[i] is not None else -1 for i in changed]
        self.emit_pending()
        label = self.label[oid]
        entries = self.slot_entry
        refs = self.refs[oid]
        batch = self._batch
        for i, rid in zip(changed, new_ids):
            slot = live[i]
            token = _slot_entry(entries[(oid << 32) | slot])[1]
            batch.append((self._store(label, O.DICT, token, rid), (rid,), (old[i],) if old[i] >= 0 else ()))
            refs[slot * 8:slot * 8 + 8] = rid.to_bytes(8, _BYTEORDER, signed=True)
        return True

    def _change_tail(self, obj, oid):
        """Queues the items appended past a list's old end, or the end it lost."""
        refs = self.refs[oid]
        if type(refs) is not bytearray:
            refs = self.refs[oid] = bytearray(refs)
        n = len(refs) >> 3
        m = len(obj)
        label = self.label[oid]
        batch = self._batch
        if m > n:
            ids = _shadow_ids(obj[n:], self.label)
            for rid in ids:
                batch.append(('{"op":"ref","from":"%s","to":%s}' % (label, self.ref_of(rid)), (rid,), ()))
            refs.extend(ids.tobytes())
        elif m < n:
            batch.append(('{"op":"unref","from":"%s","index":%d,"stop":%d}' % (label, m, n), (), array('q', refs[m * 8:]).tolist()))
            del refs[m * 8:]

    def commit(self):
        batch = self._batch
        if not batch:
            return
        self._batch = []
        added = {}
        removed = []
        for text, adds, removes in batch:
            for rid in adds:
                if rid >= 0:
                    added[rid] = 1
            for rid in removes:
                if rid >= 0:
                    removed.append(rid)
        for rid in removed:
            if rid in added and added[rid] == 1 and rid in self.label:
                self.emit('{"op":"hold","id":"%s"}' % self.label[rid])
                self.hold(self.current, rid)
                added[rid] = 2
        if removed and added:
            # An object stored here that only what a removal lets go of holds now (a coroutine's
            # awaited generator, held through the frame it replaces) would be freed by the model
            # before the event that stores it: held until the line ends, as a move is.
            for rid in self._below(removed, added):
                self.emit('{"op":"hold","id":"%s"}' % self.label[rid])
                self.hold(self.current, rid)
                added[rid] = 2
        for text, adds, removes in batch:
            self.emit(text)
        rc = self.rc
        for text, adds, removes in batch:
            for rid in adds:
                if rid >= 0 and rid in rc:
                    rc[rid] += 1
        for rid in removed:
            self.release(rid)

    def _below(self, removed, added, limit=4096):
        """The ids of `added` (not held for a move already) that the removals would free in a
        cascade: reached from what they free (the objects only they hold) through objects held
        once, looking at no more than `limit` objects."""
        wanted = {rid for rid, n in added.items() if n == 1 and rid in self.label}
        if not wanted:
            return []
        rc = self.rc
        refs = self.refs
        dropped = {}
        for rid in removed:
            dropped[rid] = dropped.get(rid, 0) + 1
        stack = [rid for rid, n in dropped.items() if rid >= 0 and rc.get(rid, 0) <= n]
        seen = set(stack)
        found = []
        while stack and wanted and len(seen) < limit:
            for rid in array('q', refs.get(stack.pop(), b'')):
                if rid in wanted:
                    wanted.discard(rid)
                    found.append(rid)
                elif rid >= 0 and rid not in seen and rc.get(rid, 0) <= 1:
                    seen.add(rid)
                    stack.append(rid)
        return found

    def _change(self, obj, kind, names, refs):
        """Queues how a known object's references differ from its shadow's (a new object allocated
        empty is filled this way too)."""
        oid = id(obj)
        if oid in self._to_materialize:
            self._materialize(oid)
        if kind == O.LIST:
            self._diff_list(oid, refs)
        elif kind == O.SET or kind == O.FROZENSET:
            self._diff_set(oid, refs)
        elif kind == O.DICT or kind == O.INSTANCE or kind == O.FUNCTION:
            self._diff_mapping(oid, kind, names, refs, obj)
        elif kind == O.GENERIC:
            self._diff_mapping(oid, kind, ['r%d' % i for i in range(len(refs))], refs, None)
            if oid in self.generators:
                self._note_generator(obj, oid)

    def _check_size(self, obj, oid):
        size = _getsizeof(obj)
        if size != self.size.get(oid):
            self.size[oid] = size
            self._batch.append(('{"op":"resize","id":"%s","size":%d}' % (self.label[oid], size), (), ()))
        if oid in self.own_dict_size:
            self._check_own_dict_size(obj, oid)

    def _check_own_dict_size(self, obj, oid):
        """An instance's own __dict__ after a line: the model grows it as a dict of its own keys,
        CPython as one that may share its class's (a split table), so its size is said again (the
        `materialize` of a dict already made) when it changed or when it gained keys."""
        did = self.materialized.get(oid)
        own = next((r for r in _get_referents(obj) if id(r) == did), None) if did is not None else None
        if own is None:
            return
        size = _getsizeof(own)
        said, keys = self.own_dict_size[oid]
        if size == said and len(own) <= keys:
            return
        self.own_dict_size[oid] = (size, len(own))
        self._batch.append(('{"op":"materialize","id":"%s","size":%d}' % (self.label[oid], size), (), ()))

    def _token(self, key):
        """A dict key as the shadow names it (see _stored), or None for an object key the trace
        does not follow."""
        if type(key) is str:
            return 'f' + key
        if self.classifier.kind(key, self.preexisting) == O.EXTERNAL:
            return 'f' + repr(key)
        kid = id(key)
        return 'k%s\x01%d' % (self.label[kid], kid) if kid in self.label else None

    def _idof(self, ref):
        if ref is None:
            return -1
        rid = id(ref)
        return rid if rid in self.label else -1

    def _items_text(self, ids, always=False):
        """A list's or tuple's items: those up to the last traced one (or "@external"), then its
        length if more (the values after are None, ints, strs: nothing the trace follows)."""
        n = len(ids)
        end = n
        if n > _MANY and max(ids) < 0:
            end = 0
        while end and ids[end - 1] == -1:
            end -= 1
        label = self.label
        if end > _MANY:
            # (A label never holds a NUL: it marks the items the trace does not follow.)
            text = (',"items":["%s"]' % '","'.join(map(label.get, ids[:end], repeat('\0')))).replace('"\0"', 'null')
        else:
            text = ',"items":[%s]' % ','.join(['"%s"' % label[i] if i >= 0 else self.ref_of(i) for i in ids[:end]]) if end or always else ''
        return text + (',"length":%d' % n if end < n else '')

    def _diff_list(self, oid, refs):
        new = _shadow_ids(refs, self.label)
        new_bytes = new.tobytes()
        if new_bytes == self.refs[oid]:
            return
        old = array('q', self.refs[oid])
        self.refs[oid] = new_bytes
        label = self.label[oid]
        batch = self._batch
        n, m = len(old), len(new)
        # Appends and pops at the end are the common case: say them as such.
        if m > n and m - n <= 16 and new[:n] == old:
            for rid in new[n:]:
                batch.append(('{"op":"ref","from":"%s","to":%s}' % (label, self.ref_of(rid)), (rid,), ()))
            return
        if m < n and old[:m] == new:
            batch.append(('{"op":"unref","from":"%s","index":%d,"stop":%d}' % (label, m, n), (), old[m:]))
            return
        if m == n:
            diffs = [*islice(compress(count(), map(ne, old, new)), 5)]
            if len(diffs) <= 4:
                for i in diffs:
                    batch.append(('{"op":"ref","from":"%s","index":%d,"to":%s}' % (label, i, self.ref_of(new[i])), (new[i],), (old[i],)))
                return
        adds, removes = new, old
        if m == n and sorted(new) == sorted(old):
            adds = removes = ()  # a permutation (sort, reverse): no item's count changes
        batch.append(('{"op":"setitems","from":"%s"%s}' % (label, self._items_text(new, True)), adds, removes))

    def _diff_set(self, oid, refs):
        new = [i for i in (self._idof(r) for r in refs) if i >= 0]
        old = array('q', self.refs[oid]).tolist()
        if new == old:
            return
        label = self.label[oid]
        batch = self._batch
        newset = set(new)
        oldset = set(old)
        for rid in new:
            if rid not in oldset:
                batch.append(('{"op":"ref","from":"%s","to":%s}' % (label, self.ref_of(rid)), (rid,), ()))
        for rid in old:
            if rid not in newset:
                batch.append(('{"op":"unref","from":"%s","to":%s}' % (label, self.ref_of(rid)), (), (rid,)))
        self.refs[oid] = array('q', [i for i in old if i in newset] + [i for i in new if i not in oldset]).tobytes()

    def _diff_mapping(self, oid, kind, names, refs, obj):
        """Dicts (key tokens), instances (attribute names) and generic objects (slot numbers)."""
        label = self.label[oid]
        old_names, old_ids = self._mapping_shadow(oid)
        new_names, new_ids = self._stored(kind, names, refs)
        if new_names != old_names or new_ids != old_ids:
            self._diff_entries(oid, kind, label, old_names, old_ids, new_names, new_ids, obj)
        if kind == O.INSTANCE and obj is not None:
            self._note_print(obj, oid, refs)

    def _note_print(self, obj, oid, values):
        """Remembers the print of an instance the shadow now equals, when its description's
        attribute values are exactly what it refers to besides its class (a name read from the
        class, `Logger.root`, while the instance's own `_cache` went unnamed, is no such
        description): until the print changes, `rescan` has nothing to compare."""
        found = _instance_print(obj)
        tp = type(obj)
        if (found is None or oid in self._to_materialize
                or sorted(map(id, values)) != sorted([id(r) for r in gc.get_referents(obj) if r is not tp])):
            self._forget_print(oid)
        else:
            self.instance_prints[oid] = found
            self.printed_refs[oid] = self.refs.get(oid)
            self.printed_names[oid] = self.names.get(oid)

    def _forget_print(self, oid):
        if self.instance_prints.pop(oid, None) is not None:
            del self.printed_refs[oid], self.printed_names[oid]

    def _diff_entries(self, oid, kind, label, old_names, old_ids, new_names, new_ids, obj):
        old = {n: i for n, i in zip(old_names, old_ids)}
        new = {n: i for n, i in zip(new_names, new_ids)}
        batch = self._batch
        for name, rid in zip(new_names, new_ids):
            before = old.get(name, -2)
            if before != rid:
                # A new object key is a reference the dict now holds, besides its value.
                adds = (rid, _key_id(name)) if before == -2 and name[0] == 'k' and kind == O.DICT else (rid,)
                batch.append((self._store(label, kind, name, rid), adds, (before,) if before >= 0 else ()))
        for name in old_names:
            if name not in new:
                removes = (old[name], _key_id(name)) if name[0] == 'k' and kind == O.DICT else (old[name],)
                batch.append((self._delete(label, kind, name), (), removes))
        self._keep_mapping(oid, new_names, new_ids, obj)

    def _dict_key_ids(self, oid):
        """The ids of the object keys a dict's shadow holds."""
        if oid in self.big:
            return _key_ids(self._mapping_shadow(oid)[0])
        names = self.names.get(oid)
        return _key_ids(names.split('\0')) if names else []

    def _mapping_shadow(self, oid):
        """(names, ids) of a dict's, instance's or generic object's shadow, in order."""
        if oid in self.big:
            names = []
            ids = []
            refs = array('q', self.refs[oid])
            entries = self.slot_entry
            base = oid << 32
            for slot in range(self.big[oid]):
                rid = refs[slot]
                if rid != _GONE:
                    names.append(_slot_entry(entries[base | slot])[1])
                    ids.append(rid)
            return names, ids
        names = self.names.get(oid, '')
        return (names.split('\0') if names else []), array('q', self.refs.get(oid, b'')).tolist()

    def _keep_mapping(self, oid, names, ids, obj=None):
        """Sets a mapping's shadow; a dict of _BIG entries or more is indexed by key (given the
        dict itself)."""
        if oid in self.big:
            self._drop_index(oid)
        self.names[oid] = '\0'.join(names)
        self.refs[oid] = array('q', ids).tobytes()
        if obj is not None and len(names) >= _BIG and self.kind.get(oid) == O.DICT:
            self._index_dict(obj, oid)

    def _index_dict(self, obj, oid):
        """Lays a dict's shadow out by slot with an index by key value (the shadow is equal to the
        dict at this moment). A dict with a key _vkey cannot name is left unindexed."""
        names, ids = self._mapping_shadow(oid)
        if oid in self.big:
            self._drop_index(oid)
        vkeys = []
        for key in dict.keys(obj):
            vkey = _vkey(key)
            if vkey is None:
                return
            if type(key) is str or self._token(key) is not None:
                vkeys.append(vkey)
        if len(vkeys) != len(names):
            return
        slot_of = self.slot_of
        entries = self.slot_entry
        base = oid << 32
        for slot, (vkey, token) in enumerate(zip(vkeys, names)):
            slot_of['%d\x02%s' % (oid, vkey)] = slot
            entries[base | slot] = '%d:%s%s' % (len(vkey), vkey, token)
        self.big[oid] = self.big_live[oid] = len(names)
        self.refs[oid] = bytearray(array('q', ids).tobytes())
        self.names[oid] = ''

    def _drop_index(self, oid):
        """An indexed dict's shadow goes back to names and refs."""
        names, ids = self._mapping_shadow(oid)
        slot_of = self.slot_of
        entries = self.slot_entry
        base = oid << 32
        for slot in range(self.big.pop(oid)):
            entry = entries.pop(base | slot, None)
            if entry is not None:
                del slot_of['%d\x02%s' % (oid, _slot_entry(entry)[0])]
        del self.big_live[oid]
        self.names[oid] = '\0'.join(names)
        self.refs[oid] = array('q', ids).tobytes()

    def _store(self, label, kind, name, rid):
        if kind == O.DICT and name[0] == 'k':
            return '{"op":"ref","from":"%s","key":"%s","to":%s}' % (label, _key_label(name), self.ref_of(rid))
        field = name[1:] if kind == O.DICT else name
        return '{"op":"ref","from":"%s","field":%s,"to":%s}' % (label, quote(field), self.ref_of(rid))

    def _delete(self, label, kind, name):
        if kind == O.DICT and name[0] == 'k':
            return '{"op":"unref","from":"%s","key":"%s"}' % (label, _key_label(name))
        field = name[1:] if kind == O.DICT else name
        return '{"op":"unref","from":"%s","field":%s}' % (label, quote(field))

    # ------------------------------------------------------------------------------------------
    # Names

    def diff_names(self, key, values, only=None, outer=False):
        """Compares a frame's names (a mapping name -> object) with its shadow and queues bind and
        unbind events; `only`: the names to look at (the others are unchanged); `outer`: the frame
        is the module's while a function's is the model's current one (its names are bound with
        "global"). The model has a
        name once it held a traced object (then None stands for anything outside the trace).
        Names rebound are written in the order they were first bound, then new names, then the
        names that went."""
        old_text = self.frame_names.get(key, '')
        names = old_text.split('\0') if old_text else []
        ids = array('q', self.frame_values.get(key, b''))
        where = {name: i for i, name in enumerate(names)} if only is None or len(names) > 16 else None
        rebound = []
        unbound = []
        added = 0
        for name in (values.keys() if only is None else only):
            value = values.get(name, _MISSING)
            if where is not None:
                i = where.get(name, -1)
            else:
                i = names.index(name) if name in names else -1
            if value is _MISSING:
                if i >= 0 and ids[i] != _UNBOUND:
                    unbound.append((i, ids[i]))
                    ids[i] = _UNBOUND
                continue
            rid = -1 if value is None else self.discover(value)
            if i < 0:
                if rid >= 0:
                    if where is not None:
                        where[name] = len(names)
                    names.append(name)
                    ids.append(rid)
                    added += 1
                continue
            before = ids[i]
            if before != rid and before != _UNBOUND:
                if i < len(names) - added:
                    rebound.append((i, before))
                ids[i] = rid
        if only is None:
            for i, name in enumerate(names):
                if name not in values and ids[i] != _UNBOUND:
                    unbound.append((i, ids[i]))
                    ids[i] = _UNBOUND
        self.emit_pending()
        if not rebound and not unbound and not added:
            return
        batch = self._batch
        end = ',"global":true}' if outer else '}'
        rebound.sort()
        for i, before in rebound:
            if ids[i] != _UNBOUND:
                rid = ids[i]
                batch.append(('{"op":"bind","name":%s,"to":%s%s' % (quote(names[i]), self.ref_of(rid), end), (rid,), (before,) if before >= 0 else ()))
        for i in range(len(names) - added, len(names)):
            rid = ids[i]
            if rid != _UNBOUND:
                batch.append(('{"op":"bind","name":%s,"to":%s%s' % (quote(names[i]), self.ref_of(rid), end), (rid,), ()))
        unbound.sort()
        for i, before in unbound:
            if i < len(names) - added:
                batch.append(('{"op":"unbind","name":%s%s' % (quote(names[i]), end), (), (before,) if before >= 0 else ()))
        if unbound:
            kept = [i for i in range(len(names)) if ids[i] != _UNBOUND]
            names = [names[i] for i in kept]
            ids = array('q', [ids[i] for i in kept])
        if unbound or added:
            self.frame_names[key] = '\0'.join(names)
        self.frame_values[key] = ids.tobytes()

    def hold_outer_names(self, key, values, only):
        """A function's frame further out than the model's current one, flushed before a
        collection: what each of its names holds that the shadow does not bind it to is held for
        it from outside (incref), in place of what the name held before (a comprehension's
        variable, from one item to the next), until its own line ends (release_outer_names),
        where its names are compared and bound."""
        old_text = self.frame_names.get(key, '')
        bound = dict(zip(old_text.split('\0'), array('q', self.frame_values.get(key, b'')))) if old_text else {}
        held = self.outer_holds.get(key)
        for name in (values.keys() if only is None else only):
            value = values.get(name)
            rid = -1 if value is None else self.discover(value)
            self.emit_pending()
            if rid >= 0 and (rid not in self.label or bound.get(name) == rid):
                rid = -1
            before = held.pop(name, -1) if held else -1
            if rid == before:
                if rid >= 0:
                    held[name] = rid
                continue
            if rid >= 0:
                if held is None:
                    held = self.outer_holds[key] = {}  # (made only when a name needs it: it counts)
                held[name] = rid
                self.rc[rid] += 1
                self.external[rid] = self.external.get(rid, 0) + 1
                self.emit('{"op":"incref","id":"%s"}' % self.label[rid])
            self._let_go_outside(before)

    def release_outer_names(self, key):
        """The frame's names are compared: it lets go of what hold_outer_names held for it."""
        held = self.outer_holds.pop(key, None)
        if held:
            for rid in held.values():
                self._let_go_outside(rid)

    def _let_go_outside(self, rid):
        if rid >= 0 and self.external.get(rid) and rid in self.label:
            self.emit('{"op":"decref","id":"%s"}' % self.label[rid])
            self.external[rid] -= 1
            self.release(rid)

    def take_over_locals(self, frame):
        """A returning call whose frame object outlives it (a traceback holds it): when the frame is
        cleared the frame object takes over its locals (take_ownership), so it holds them before
        the model unbinds the frame's names (a local bound to the exception whose traceback holds
        the frame is then a cycle). Where exactly is settled when the frame object is rescanned
        after the return."""
        oid = id(frame)
        _, refs = self.describe(frame, O.GENERIC)
        names = ['r%d' % i for i in range(len(refs))]
        base = len(refs) + 2  # then the frame's function and code
        for i, value in enumerate(frame.f_locals.values()):
            if value is not None and id(value) in self.label:
                names.append('r%d' % (base + i))
                refs.append(value)
        self._diff_mapping(oid, O.GENERIC, names, refs, None)
        self.commit()

    def drop_frame_names(self, key):
        """The frame returned: the model unbinds its names; so does the shadow."""
        self.release_outer_names(key)
        ids = array('q', self.frame_values.pop(key, b''))
        self.frame_names.pop(key, None)
        for rid in ids:
            if rid >= 0:
                self.release(rid)


def _key_label(token):
    """The label of a dict's object key, from its token `k<label>\\x01<id>`."""
    return token[1:token.index('\x01')]


def _key_id(token):
    return int(token[token.index('\x01') + 1:])


def _key_ids(tokens):
    """The ids of the object keys among a dict's key tokens (str keys are `f<text>`)."""
    return [int(t[t.index('\x01') + 1:]) for t in tokens if t and t[0] == 'k']


def _remove_last(ids, needle):
    """Removes the last 8-byte-aligned occurrence of `needle` from a bytearray of ids."""
    at = ids.rfind(needle)
    while at >= 0 and at % 8:
        at = ids.rfind(needle, 0, at + 7)
    if at < 0:
        return False
    del ids[at:at + 8]
    return True


# A generator's and a coroutine's attribute that says its frame is suspended (not created, not
# running, not finished).
_SUSPENDED_FLAG = {types.GeneratorType: 'gi_suspended', types.CoroutineType: 'cr_suspended'}

# What a line can change in place (keep_returned).
_CHANGEABLE_KINDS = frozenset([O.INSTANCE, O.GENERIC, O.DICT, O.LIST, O.SET])
_KEPT_BY_CLEARED_LOCALS = ('function', 'frame')
_RESUME = dis.opmap.get('RESUME', -1)


def _yields_outside_try(gen):
    """3.13: whether every point where the generator's code suspends lies outside any try or
    with block (its RESUME's oparg has RESUME_OPARG_DEPTH1_MASK), so that gen_close only clears
    the frame's locals instead of throwing GeneratorExit into it."""
    code = getattr(gen, 'gi_code', None) or getattr(gen, 'cr_code', None)
    if code is None:
        return False
    raw = code.co_code
    points = 0
    for i in range(0, len(raw) - 1, 2):
        if raw[i] == _RESUME and raw[i + 1] & 3:
            if not raw[i + 1] & 4:
                return False
            points += 1
    return points > 0


_CONTAINER_NAMES = {O.LIST: 'list', O.DICT: 'dict', O.TUPLE: 'tuple', O.SET: 'set', O.FROZENSET: 'frozenset',
                    O.WEAKREF: 'weakref'}

# The callbacks of weakref.WeakSet, WeakValueDictionary and WeakKeyDictionary: each takes its
# weakref out of the owner's `data` (their first default is a weakref to the owner).
_DISCARDING_CALLBACKS = frozenset(['WeakSet.__init__.<locals>._remove', 'WeakValueDictionary.__init__.<locals>.remove',
                                   'WeakKeyDictionary.__init__.<locals>.remove'])


def _program_callback(wr):
    """A weakref's callback when it is the program's own (not weakref.finalize, nor the callback of
    a WeakSet, WeakKeyDictionary or WeakValueDictionary, which their container holds), or None."""
    callback = wr.__callback__
    if callback is None or _is_finalize(callback) or _library_held(callback) or _discarded_from(callback) is not None:
        return None
    return callback


def _library_held(callback):
    """Whether a weakref with this callback is kept in a registry of the `logging` module, which
    the callback takes it out of: `_handlerList` (`_removeHandlerRef`) and the WeakSet of handlers
    whose locks are reset at fork."""
    logging = sys.modules.get('logging')
    if logging is None or callback is None:
        return False
    if callback is getattr(logging, '_removeHandlerRef', None):
        return True
    registry = getattr(logging, '_at_fork_reinit_lock_weakset', None)
    if registry is None or getattr(callback, '__qualname__', None) != 'WeakSet.__init__.<locals>._remove':
        return False
    defaults = getattr(callback, '__defaults__', None)
    return bool(defaults) and type(defaults[0]) is weakref.ref and defaults[0]() is registry


def _discarded_from(callback):
    """The container a library callback removes its weakref from, or None."""
    if getattr(callback, '__qualname__', None) not in _DISCARDING_CALLBACKS:
        return None
    defaults = getattr(callback, '__defaults__', None)
    if not defaults or type(defaults[0]) is not weakref.ref:
        return None
    owner = defaults[0]()
    try:
        return object.__getattribute__(owner, 'data') if owner is not None else None
    except AttributeError:
        return None


_FRAME = types.FrameType
_CELL = types.CellType
_CONTAINER_KINDS = O.CONTAINER_KINDS
_EMPTY = object()


def _without_locals_dict(frame, refs):
    """A function frame's references without its f_locals dict (3.11, 3.12): tracing makes that
    dict (a frame's f_locals snapshot), the untraced program has none. It comes just before the
    frame's function and code (_PyFrame_Traverse)."""
    if not frame.f_code.co_flags & _CO_NEWLOCALS:
        return refs
    for i in range(2, len(refs)):
        if type(refs[i]) is types.CodeType:
            if type(refs[i - 1]) is types.FunctionType and type(refs[i - 2]) is dict:
                del refs[i - 2]
            break
    return refs


def generator_referents(gen):
    """A generator's (or coroutine's) references without what tracing gives its frame: the frame
    object (settrace makes one for every call, sys.monitoring's callbacks when they ask for the
    frame) and the frame's f_locals dict (made when a tracer reads f_locals, 3.11 and 3.12). The
    untraced program's suspended generator has neither, and neither is the program's memory. Both
    come just before the frame's function and code (_PyFrame_Traverse)."""
    refs = _get_referents(gen)
    for i in range(1, len(refs) - 1):
        if type(refs[i]) is types.FunctionType and type(refs[i + 1]) is types.CodeType:
            start = i
            while start > 0 and type(refs[start - 1]) in (_FRAME, dict):
                start -= 1
            del refs[start:i]
            break
    return refs


def _class_attribute_is(tp, name, value):
    """Whether the class (or a base) binds `name` to `value` itself, so that reading it from an
    instance may give the class's."""
    for cls in tp.__mro__:
        d = cls.__dict__
        if name in d:
            return d[name] is value
    return False


def _held_by(referents, value):
    for r in referents:
        if r is value:
            return True
    return False


def _has_dict(tp):
    for cls in tp.__mro__:
        slots = cls.__dict__.get('__slots__')
        if slots is None and cls is not object:
            return True
        if slots is not None and '__dict__' in (slots if not isinstance(slots, str) else (slots,)):
            return True
    return False
