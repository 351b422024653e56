"""What a real object is to the trace: its kind, its type's name, its size and its references.

An object the trace follows is one the program made: not one that existed when recording began,
and not a module, a code object, or a class or function of a file that is not traced (those are
the interpreter's and the libraries', and a trace refers to all of them as `@external`).
References are read without running the program's code where that can be avoided, and without
ever making CPython create an instance's `__dict__` (reading `obj.__dict__`, `vars(obj)` or
`dir(obj)` would create one, a real dict the collector would then count).
"""
import dis
import gc
import os
import sys
import types
import weakref
from collections import OrderedDict as _ORDERED_DICT

get_referents = gc.get_referents
_MODULE_DICT = types.ModuleType.__dict__['__dict__'].__get__


def referents(obj):
    """gc.get_referents(obj), but of a module only its namespace. An extension module's traverse
    can visit what it keeps on a freelist as well: 3.12's _asyncio visits its freed future
    iterators, and one of those referred to and let go again is on the freelist twice, after
    which walking the freelist never ends (the next gc.get_referents of the module hangs)."""
    if isinstance(obj, types.ModuleType):
        return [_MODULE_DICT(obj, types.ModuleType)]
    return get_referents(obj)
# The recorder's own files: its closures are never the program's.
_OWN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
getsizeof = sys.getsizeof

EXTERNAL = 0
ATOMIC = 1
LIST = 2
TUPLE = 3
DICT = 4
SET = 5
FROZENSET = 6
INSTANCE = 7
GENERIC = 8
WEAKREF = 9
FUNCTION = 10

KIND_NAMES = ('external', 'atomic', 'list', 'tuple', 'dict', 'set', 'frozenset', 'instance', 'generic', 'weakref',
              'function')

# Py_TPFLAGS_HEAPTYPE: a class made by a class statement or type() (or a C module's heap type).
_HEAPTYPE = HEAPTYPE = 1 << 9
# Py_TPFLAGS_MANAGED_DICT (3.11+): instances keep their attributes in inline values / a managed dict.
_MANAGED_DICT = 1 << 4

_EXACT = {
    list: LIST,
    tuple: TUPLE,
    dict: DICT,
    set: SET,
    frozenset: FROZENSET,
    str: ATOMIC,
    bytes: ATOMIC,
    int: ATOMIC,
    float: ATOMIC,
    complex: ATOMIC,
    bytearray: ATOMIC,
    bool: EXTERNAL,
    type(None): EXTERNAL,
    type(NotImplemented): EXTERNAL,
    type(Ellipsis): EXTERNAL,
    types.ModuleType: EXTERNAL,
    types.CodeType: EXTERNAL,
    types.BuiltinFunctionType: EXTERNAL,
    types.WrapperDescriptorType: EXTERNAL,
    types.MethodWrapperType: EXTERNAL,
    types.MethodDescriptorType: EXTERNAL,
    types.ClassMethodDescriptorType: EXTERNAL,
    types.GetSetDescriptorType: GENERIC,
    types.MemberDescriptorType: GENERIC,
    weakref.ref: WEAKREF,
    range: ATOMIC,
}

# Base container types whose subclasses keep the base's layout (OrderedDict, defaultdict, Counter,
# namedtuples, deque is generic).
_CONTAINER_BASES = ((dict, DICT), (list, LIST), (tuple, TUPLE), (set, SET), (frozenset, FROZENSET))

# The built-in types an object may be an instance of whose contents are never followed.
_ATOMIC_BASES = (str, bytes, int, float, complex, bytearray)


def _made_at_run_time(fn, filename):
    """Whether a library function is one it made while it ran, as the program's objects are: a
    nested function (a closure such as WeakMethod's callback, whatever `__qualname__` it was given
    since) or one compiled from text with exec or eval (the `__init__` and `__repr__` that
    @dataclass and namedtuple write). A module-level function lives as long as its module."""
    if filename.startswith(_OWN_DIR):
        return False
    return '<locals>' in fn.__code__.co_qualname or (filename.startswith('<') and not filename.startswith('<frozen'))


class Classifier:
    """Decides which objects the trace follows, given which files are traced."""

    def __init__(self, is_traced_file):
        self.is_traced_file = is_traced_file
        # id(type) -> kind, for types that live as long as the interpreter (not heap types).
        self._static_kinds = {}

    def kind(self, obj, preexisting):
        """The kind of `obj` as the trace sees it (EXTERNAL: not followed)."""
        if id(obj) in preexisting:
            return EXTERNAL
        tp = type(obj)
        kind = _EXACT.get(tp)
        if kind is not None:
            return kind
        if isinstance(obj, type):
            module = sys.modules.get(getattr(obj, '__module__', None) or '')
            filename = getattr(module, '__file__', None) if module is not None else None
            if module is not None and module.__name__ == '__main__':
                return GENERIC
            return GENERIC if filename is not None and self.is_traced_file(filename) else EXTERNAL
        if tp is types.FunctionType:
            # A function a library makes at run time is the program's as much as the objects that
            # hold it (see _made_at_run_time).
            filename = obj.__code__.co_filename
            if self.is_traced_file(filename) or _made_at_run_time(obj, filename):
                return FUNCTION
            return EXTERNAL
        if tp.__flags__ & _HEAPTYPE:
            return self._heap_instance_kind(tp)
        kind = self._static_kinds.get(id(tp))
        if kind is None:
            kind = self._static_kind(tp)
            self._static_kinds[id(tp)] = kind
        return kind

    def _static_kind(self, tp):
        if issubclass(tp, weakref.ref):
            return WEAKREF
        for base, kind in _CONTAINER_BASES:
            if issubclass(tp, base):
                return kind
        if issubclass(tp, _ATOMIC_BASES):
            return ATOMIC
        if not (tp.__flags__ & (1 << 14)):  # not Py_TPFLAGS_HAVE_GC: holds nothing the collector sees
            return ATOMIC
        return GENERIC

    def _heap_instance_kind(self, tp):
        if _is_weak_method_type(tp):
            # A WeakMethod holds a closure of its own (its callback, which refers to the function's
            # weakref and to a weakref to the WeakMethod): the trace follows it as an object holding
            # those, as the collector sees it, not as a weakref (the model's hold no references).
            return GENERIC
        if issubclass(tp, weakref.ref):
            return WEAKREF
        if issubclass(tp, BaseException):
            return GENERIC
        for base, kind in _CONTAINER_BASES:
            if issubclass(tp, base):
                return kind
        if issubclass(tp, _ATOMIC_BASES):
            # An int or str subclass whose instances have a __dict__ (IntEnum and StrEnum members)
            # holds that dict, as a tracked object: the collector sees it.
            return GENERIC if tp.__dictoffset__ else ATOMIC
        # A class a Python program defined: its instances keep attributes in a managed dict (or
        # in __slots__). A heap type of a C module (re.Pattern, functools.partial) is not one.
        if tp.__flags__ & _MANAGED_DICT or any('__slots__' in c.__dict__ for c in tp.__mro__):
            return INSTANCE
        return GENERIC


# A function's references in func_traverse's order (Objects/funcobject.c); `__dict__` and
# `__annotations__` are never read as attributes (reading them would create them), but found
# between the others.
_FUNCTION_FIELDS = ('__code__', '__globals__', '__builtins__', '__module__', '__defaults__', '__kwdefaults__',
                    '__doc__', '__name__', '__dict__', '__closure__', '__annotations__', '__type_params__',
                    '__qualname__')
_UNREAD = ('__dict__', '__annotations__')
_UNKNOWN = object()


def function_fields(fn):
    """(names, values) of what a function refers to, named as the model's function fields."""
    expected = [_UNKNOWN if name in _UNREAD else getattr(fn, name, _UNKNOWN) for name in _FUNCTION_FIELDS]
    names = []
    values = []
    j = 0
    n = len(expected)
    for ref in get_referents(fn):
        while j < n:
            known = expected[j]
            if known is _UNKNOWN:
                # An unread field takes this reference unless a later field is this very object.
                if any(ref is expected[m] for m in range(j + 1, n) if expected[m] is not _UNKNOWN):
                    j += 1
                    continue
                break
            if known is ref:
                break
            j += 1
        if j >= n:
            break
        names.append(_FUNCTION_FIELDS[j])
        values.append(ref)
        j += 1
    return names, values


_WORDS = []


def process_words():
    """The process's memory as 64-bit words (a memoryview, made once), for reading the few fields
    of CPython's objects that no Python API gives without making an object; None where it cannot
    be made (not CPython on a 64-bit build)."""
    if not _WORDS:
        words = None
        if sys.implementation.name == 'cpython' and sys.maxsize == 2 ** 63 - 1:
            try:
                import ctypes
                words = memoryview((ctypes.c_uint64 * (1 << 58)).from_address(0)).cast('B').cast('Q')
            except Exception:
                words = None
        _WORDS.append(words)
    return _WORDS[0]


CONTAINER_KINDS = frozenset([LIST, TUPLE, DICT, SET, FROZENSET])


def _is_weak_method_type(tp):
    """Whether `tp` is weakref.WeakMethod or a subclass: the program's `weakref` module's class,
    which is not the recorder's when the program imported the module itself (main.py)."""
    return any(c.__name__ == 'WeakMethod' and c.__module__ == 'weakref' for c in tp.__mro__)


def container_dict(obj, kind):
    """The `__dict__` of an instance of a Python subclass of list, tuple, dict, set or frozenset, or
    None while it has none (its first attribute makes it). subtype_traverse visits that dict, then
    the class, then what the base holds; reading `obj.__dict__` would make one. It may be a dict
    the program assigned, `obj` itself (`self.__dict__ = self` in a dict subclass) among them."""
    if kind not in CONTAINER_KINDS:
        return None
    tp = type(obj)
    if not tp.__dictoffset__:
        return None
    heap = tp.__flags__ & _HEAPTYPE
    if not heap and tp is not _ORDERED_DICT:
        return None
    refs = get_referents(obj)
    if heap and len(refs) >= 2 and refs[1] is tp and isinstance(refs[0], dict):
        return refs[0]
    if isinstance(obj, _ORDERED_DICT):
        # An OrderedDict keeps its own: odict_traverse visits it (after a subclass's class), then
        # the key of each node of its order, then what dict_traverse visits: the values (and the
        # keys, of a table not all str keys).
        at = 1 if heap else 0
        entries = (2 if all(type(k) is str for k in dict.keys(obj)) else 3) * len(obj)
        if len(refs) == at + 1 + entries and type(refs[at]) is dict:
            return refs[at]
    return None


def class_namespace(cls):
    """The dict a class keeps its attributes in, read without making a mappingproxy: the first dict
    the class refers to (type_traverse visits tp_dict first; a class whose metaclass is written in
    Python, ABCMeta or EnumType, refers to its metaclass before it), or None."""
    for ref in get_referents(cls):
        if type(ref) is dict:
            return ref
    return None


def is_module_namespace(d):
    """Whether dict `d` is the namespace of a module in sys.modules."""
    name = dict.get(d, '__name__')  # (not a subclass's own get: no program code runs here)
    module = sys.modules.get(name) if type(name) is str else None
    return module is not None and getattr(module, '__dict__', None) is d


def code_strings(code):
    """What a code object holds (gc.get_referents sees none of it: code is not a GC type)."""
    return (code.co_consts + code.co_names + code.co_varnames + code.co_cellvars + code.co_freevars
            + (code.co_name, code.co_qualname, code.co_filename))


_learned_modules = {}  # id(module) -> how many names its namespace had when it was learned
_learned_codes = set()


def learn_stored_attributes(module, into):
    """Adds to `into` every attribute name the code of `module` stores (STORE_ATTR): its
    functions, its classes' methods (those of the classes nested in them too, such as argparse's
    HelpFormatter._Section) and the code nested in them. Again when the module has more names
    than when it was last learned: a class defined after an enum's members were made (which
    learned the module) has its own code, a dataclass's `__init__` storing its fields."""
    if module is None:
        return
    size = len(vars(module))
    if _learned_modules.get(id(module)) == size:
        return
    _learned_modules[id(module)] = size
    codes = []
    classes = []
    for value in list(vars(module).values()):
        if isinstance(value, types.FunctionType):
            codes.append(value.__code__)
        elif isinstance(value, type):
            classes.append(value)
    seen_classes = set()
    while classes:
        cls = classes.pop()
        if id(cls) in seen_classes or sys.modules.get(getattr(cls, '__module__', None) or '') is not module:
            continue
        seen_classes.add(id(cls))
        for member in list(cls.__dict__.values()):
            if isinstance(member, type):
                classes.append(member)
                continue
            func = getattr(member, '__func__', member)
            if isinstance(member, property):
                func = member.fset
            if isinstance(func, types.FunctionType):
                codes.append(func.__code__)
    while codes:
        code = codes.pop()
        if id(code) in _learned_codes:
            continue
        _learned_codes.add(id(code))
        for ins in dis.get_instructions(code):
            if ins.opname == 'STORE_ATTR':
                into[ins.argval] = 1
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                codes.append(const)


def type_name(obj):
    """The name a report shows for the object's type."""
    return type(obj).__name__


def slot_names(tp):
    """The `__slots__` of a class and its bases, in CPython's order (each class's sorted), without
    `__dict__` and `__weakref__`."""
    names = []
    for cls in reversed(tp.__mro__):
        slots = cls.__dict__.get('__slots__')
        if slots is None:
            continue
        if isinstance(slots, str):
            slots = (slots,)
        for name in sorted(slots):
            if name not in ('__dict__', '__weakref__') and name not in names:
                names.append(name)
    return names
