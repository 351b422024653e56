"""Following the program: which frames are traced, and what happens at their lines, calls and
returns, and at every collection.

Frames of traced files come in three sorts. A function's frame is a frame of the model: `call`
pushes it, its names are bound and unbound, `return` pops it. The main module's frame is the
model's module frame: its names are the program's globals. A class body or an imported module
runs with a dict as its namespace: that dict is an object of the trace (a class body's is copied
into the class and dropped; a module's lives as long as the module), and its lines are lines of
whichever model frame ran them.

At each line boundary the names the finished line used are compared, and the objects they name
(and what those hold) are rescanned; new objects are allocated, changes written. Everything a
collection, a gc call or the end of the program could observe is flushed first.
"""
import dis
import gc
import os
import sys

from . import objects as O
from . import uses as U
from .uses import line_uses

_CO_NEWLOCALS = 0x2
_CO_GENERATOR_LIKE = 0x20 | 0x80 | 0x200
_CO_VARARGS = 0x4
_CO_VARKEYWORDS = 0x8
_RESUME = dis.opmap.get('RESUME', -1)
_getrefcount = sys.getrefcount

# Opcodes that name a local, global or module name, and those that name an attribute.
_NAME_OPS = frozenset(
    ['LOAD_FAST', 'STORE_FAST', 'DELETE_FAST', 'LOAD_NAME', 'STORE_NAME', 'DELETE_NAME', 'LOAD_GLOBAL',
     'STORE_GLOBAL', 'DELETE_GLOBAL', 'LOAD_DEREF', 'STORE_DEREF', 'DELETE_DEREF', 'LOAD_CLOSURE',
     'LOAD_FAST_CHECK', 'LOAD_FAST_AND_CLEAR', 'LOAD_FAST_LOAD_FAST', 'STORE_FAST_LOAD_FAST',
     'STORE_FAST_STORE_FAST', 'LOAD_CLASSDEREF', 'LOAD_FROM_DICT_OR_DEREF', 'LOAD_FROM_DICT_OR_GLOBALS'])
_GLOBAL_STORES = frozenset(['STORE_GLOBAL', 'DELETE_GLOBAL'])
_ATTR_STORES = frozenset(['STORE_ATTR', 'DELETE_ATTR'])
# What stores an attribute given by name (analyse): the loads that name it.
_STORES_BY_NAME = frozenset(['__setattr__', '__dict__', 'setattr', 'vars'])
_BY_NAME_OPS = frozenset(['LOAD_ATTR', 'LOAD_METHOD', 'LOAD_GLOBAL', 'LOAD_NAME'])

# The recorder's own files: their frames are never the program's.
_OWN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

# What rescan_deep looks into, and how much of a library object's contents it rescans.
_DEEP_KINDS = frozenset([O.INSTANCE, O.GENERIC, O.FUNCTION, O.DICT, O.LIST, O.SET])
_DEEP_LIMIT = 4096
# How many references an entry a line indexes (`config[3]`) may hold for them to be rescanned.
_KEYED_LIMIT = 64

# Frame sorts.
FUNCTION = 1
MAIN = 2
NAMESPACE = 3
# A comprehension's or generator expression's frame (3.11 gives each its own; 3.12 inlines list, set
# and dict comprehensions): its work belongs to the line that runs it, as in memory_profiler.
INLINE = 4
_INLINE_NAMES = frozenset(['<listcomp>', '<setcomp>', '<dictcomp>', '<genexpr>'])
# Constants a line loads that may be a subscript (bools are ints too: `type(...) in` leaves them out).
_CONST_KEYS = (int, str)


def analyse(code, attr_names, into):
    """Per line of `code`, into `into[line_key(code, line)]`, \x01-separated: the names it reads or
    writes (and the cells, which another function, nested or enclosing, may rebind meanwhile); the
    globals it stores; the int and str constants it loads (`i3`, `skey`: subscripts such as
    `config[3]`); what it does to the containers it names (see uses.py). Each a string, nothing the
    collector counts, kept for the run. Attribute names stored go to attr_names, and so do the str
    constants of a line that stores by name (`object.__setattr__(self, "_target", t)`,
    `self.__dict__["_log"] = []`, `setattr(self, "x", v)`): on 3.13 an instance's values stay
    inline, and its attributes are found by name."""
    cells = code.co_cellvars + code.co_freevars
    names = {}
    stores = {}
    consts = {}
    by_line = {}
    by_name = {}  # lines that store attributes by name
    for ins in dis.get_instructions(code):
        line = ins.positions.lineno if ins.positions is not None else None
        if line is None:
            continue
        by_line.setdefault(line, []).append(ins)
        op = ins.opname
        if op in _NAME_OPS:
            value = ins.argval
            for name in value if isinstance(value, tuple) else (value,):
                if isinstance(name, str):
                    names.setdefault(line, {})[name] = 1
            if op in _GLOBAL_STORES:
                stores.setdefault(line, {})[value] = 1
        elif op in _ATTR_STORES:
            attr_names[ins.argval] = 1
            if ins.argval == '__class__':
                CLASS_STORES.add(line_key(code, line))
        if op in _BY_NAME_OPS and ins.argval in _STORES_BY_NAME:
            by_name[line] = 1
        elif op == 'LOAD_CONST' and type(ins.argval) in _CONST_KEYS:
            value = ins.argval
            token = 'i%d' % value if type(value) is int else 's' + value
            if '\0' not in token and '\x01' not in token:
                consts.setdefault(line, {})[token] = 1
        if line not in names:
            names[line] = {}
    for line in by_name:
        for token in consts.get(line, ()):
            if token[0] == 's' and token[1:].isidentifier():
                attr_names[token[1:]] = 1
    for line, used in names.items():
        for name in cells:
            used[name] = 1
        into[line_key(code, line)] = '\x01'.join(['\0'.join(used), '\0'.join(stores.get(line, ())), '\0'.join(consts.get(line, ())),
                                                  line_uses(by_line[line])])


# The lines that assign an instance's __class__ (`self.__class__ = Closed`), by line_key.
CLASS_STORES = set()


def line_key(code, line):
    return (id(code) << 24) | line


def split_names(info):
    """(names, global stores, constants, uses) of an `analyse` entry."""
    used, stores, consts, uses = info.split('\x01')
    return ((used.split('\0') if used else ()), (stores.split('\0') if stores else ()),
            [int(c[1:]) if c[0] == 'i' else c[1:] for c in consts.split('\0')] if consts else [], uses)


class Tracer:
    def __init__(self, recorder, is_traced_file, main_code, main_globals, gc_collect, allocations):
        self.rec = recorder
        self.allocations = allocations  # (allocations.py) the tokens that pay for tracing's frame objects
        recorder.running = self.running
        self.is_traced_file = is_traced_file
        self.main_code = main_code
        self.main_globals = main_globals
        self._collect = gc_collect
        self.busy = False
        self.collecting = False
        # id(frame) -> sort; id(frame) -> current line; the model's frames (ids), innermost last.
        self.sort = {}
        self.line = {}
        self.model_frames = ['main']
        self.model_files = [main_code.co_filename]
        self.shown_names = {}
        # Set once the program runs: collections before that are the recorder's set-up.
        self.active = False
        # line_key(code, line) -> what the line names (see analyse); codes analysed (kept: a trace's
        # sources are the files of these codes).
        self.lines = {}
        self.codes_seen = {}
        self._auto_count = None
        self._auto_generation = 0
        self.profiled = []
        self.notes = []
        # Class bodies running: id(frame) -> id of their namespace dict.
        self.class_namespaces = {}
        # Frames a collection started before their call event (flush_all).
        self.early = {}
        # Generator frames that returned at a yield (or for good): id(frame) -> line_key of the
        # line they stopped at.
        self.suspended = {}
        # The recorder met something it could not follow: it stops, the program runs on.
        self.failed = False
        # Frame objects of calls that just returned, to rescan at the next callback (a list made
        # before the program runs: appending to it allocates no object the collector counts).
        self.returned_frames = []

    def note_once(self, note):
        if note not in self.notes:
            self.notes.append(note)

    def note_thread(self):
        self.note_once('the program ran code in threads other than the main one: only the main thread is traced; '
                       'what other threads allocate is seen only where traced code reaches it, so later figures may differ')

    def fail(self):
        """An error inside the recorder: recording stops where it is (the trace stays valid up to
        there and says why), the program goes on as if untraced."""
        import traceback
        self.failed = True
        where = traceback.format_exc().strip().splitlines()
        self.notes.append('recording stopped early: the recorder failed (%s); the trace ends there' % where[-1])
        sys.stderr.write('memprof record: internal error, recording stopped (the program goes on):\n%s\n' % '\n'.join(where[-6:]))

    # ------------------------------------------------------------------------------------------
    # Frames

    def line_info(self, code, line):
        """(names the line uses, globals it stores) of a line of a traced code object."""
        if id(code) not in self.codes_seen:
            self.codes_seen[id(code)] = code
            analyse(code, self.rec.attr_names, self.lines)
        info = self.lines.get(line_key(code, line))
        return split_names(info) if info is not None else ((), (), [], '')

    def frame_sort(self, frame):
        code = frame.f_code
        if code is self.main_code and frame.f_globals is self.main_globals:
            return MAIN
        if code.co_name in _INLINE_NAMES:
            return INLINE
        if code.co_flags & _CO_NEWLOCALS:
            return FUNCTION
        return NAMESPACE

    def shown(self, filename):
        """The name a trace gives a source file: a file beside the script (or below its directory)
        relative to it, as the script itself is named; any other by its absolute path."""
        name = self.shown_names.get(filename)
        if name is None:
            script = self.main_code.co_filename
            name = filename
            if filename != script:
                base = os.path.dirname(os.path.abspath(script))
                path = os.path.abspath(filename)
                if path.startswith(base + os.sep):
                    name = os.path.join(os.path.dirname(script), os.path.relpath(path, base))
            self.shown_names[filename] = name
        return name

    def model_file(self):
        return self.model_files[-1] if self.model_files else None

    def emit_line(self, frame, line):
        if line is None or line < 1:
            return  # a code object with no line of its own (an empty module): its events stay where they are
        filename = frame.f_code.co_filename
        if filename != self.model_files[-1]:
            self.model_files[-1] = filename
            self.rec.emit('{"op":"line","line":%d,"file":%s}' % (line, _q(self.shown(filename))))
        else:
            self.rec.emit('{"op":"line","line":%d}' % line)

    def on_call(self, frame):
        """A traced frame starts (or a generator's resumes). Returns whether its lines are traced."""
        fid = id(frame)
        if self.early.pop(fid, None) is not None:
            return True  # a collection came first and started it (flush_all)
        sort = self.sort.get(fid)
        if sort is None:
            sort = self.frame_sort(frame)
            if sort == INLINE:
                return False
            self.sort[fid] = sort
        rec = self.rec
        if sort == NAMESPACE:
            namespace = frame.f_locals
            rid = rec.discover(namespace)
            rec.emit_pending()
            if frame.f_code.co_name == '<module>' and rid >= 0 and rec.external.get(rid, 0) == 0:
                # An imported module's namespace: the module (outside the trace) holds it.
                rec.external[rid] = 1
                rec.rc[rid] = rec.rc.get(rid, 0) + 1
                rec.emit('{"op":"incref","id":"%s"}' % rec.label[rid])
            elif rid >= 0 and id(namespace) not in rec.namespace_dicts:
                # A class body's namespace: __build_class__ holds it while the body runs.
                rec.external[rid] = rec.external.get(rid, 0) + 1
                rec.rc[rid] += 1
                rec.emit('{"op":"incref","id":"%s"}' % rec.label[rid])
                self.class_namespaces[fid] = rid
            rec.namespace_dicts[id(namespace)] = 1
            # The body is a frame of the model without names of its own (they go to the dict).
            self.push_model_frame(frame, ())
            return True
        if sort == MAIN:
            return True
        # A function's frame: its arguments are the caller's until the caller's line ends, but
        # for new objects that nothing else holds (below).
        locals_ = frame.f_locals
        args = []
        code = frame.f_code
        made = _made_by_call(code)
        owned_base = -1 if code.co_flags & _CO_GENERATOR_LIKE else (2 if type(locals_) is dict else 1)
        # A class's __init__: the instance it initialises is the class call's, and so is its result.
        init = code.co_varnames[0] if code.co_name == '__init__' and code.co_argcount else None
        for name, value in locals_.items():
            if value is None:
                continue
            if id(value) not in rec.label:
                if name in made:
                    # The *args tuple and **kwargs dict the call made: the callee's frame alone
                    # owns them (they go when it returns), so they are made inside its frame, below.
                    continue
                if owned_base > 0 and name != init:
                    # A new argument the call moved from the caller's evaluation stack into the
                    # frame (`f([1, 2])`, `f(a + b)`): it goes when the frame returns, so it too
                    # is made inside the frame. Its references: the frame's locals (and their
                    # f_locals snapshot), `value`, the pair `items()` made, getrefcount's own;
                    # a class's __init__ also sees the caller's stack and the call's argument
                    # tuple hold the others, which go as soon as the class call returns.
                    extra = _getrefcount(value) - 3 - owned_base * sum(1 for v in locals_.values() if v is value)
                    if extra == 0 or (extra == 2 and init is not None):
                        continue
            rid = rec.discover(value)
            if rid >= 0:
                args.append(rid)
        rec.emit_pending()
        self.push_model_frame(frame, args)
        rec.diff_names(fid, locals_)
        rec.commit()
        suspended = self.suspended.pop(fid, None)
        if suspended is not None and suspended == line_key(frame.f_code, frame.f_lineno) and _resumed(frame):
            # A generator resumed: a new execution of the line it yielded at (what it does until
            # its next line is that line's, as memory_profiler counts it). An exception thrown in
            # (close(), throw()) is not a resumption: it unwinds from the yield, as the frame's
            # return with no line of its own (sys.monitoring gives it no PY_RESUME either).
            self.line[fid] = frame.f_lineno
            rec.release_held(fid)  # as at any line: the model's frame lets go of what its stack held
            self.emit_line(frame, frame.f_lineno)
        return True

    def running(self, frame):
        """Whether `frame` is executing in the model: the script's module or a call not yet
        returned (a generator's frame object is its generator's instead)."""
        if frame.f_code.co_flags & _CO_GENERATOR_LIKE:
            return False
        fid = id(frame)
        return fid in self.model_frames or self.sort.get(fid) == MAIN

    def push_model_frame(self, frame, args):
        """The model calls the frame's code; `args`: the shadow ids the caller passes."""
        rec = self.rec
        fid = id(frame)
        code = frame.f_code
        filename = code.co_filename
        text = '{"op":"call","function":%s' % _q(code.co_qualname if hasattr(code, 'co_qualname') else code.co_name)
        if filename != self.model_file():
            text += ',"file":%s' % _q(self.shown(filename))
        held = [a for a in args if a in rec.label]
        if held:
            text += ',"args":[%s]' % ','.join('"%s"' % rec.label[a] for a in held)
            for a in held:
                rec.pass_argument(rec.current, fid, a)
        rec.emit(text + '}')
        self.model_frames.append(fid)
        self.model_files.append(filename)
        rec.current = fid

    def rescan_returned(self):
        """The frame objects of calls that returned since the last callback: each took over its
        frame's locals when the frame was cleared (a traceback keeps it alive), so what it holds
        is known only now."""
        frames = self.returned_frames
        rec = self.rec
        while frames:
            frame = frames.pop()
            if id(frame) in rec.label:
                rec.rescan(frame)
        rec.emit_changes()

    def on_line(self, frame, line):
        fid = id(frame)
        self.rec.adopt_imported_modules()
        if self.returned_frames:
            self.rescan_returned()
        self.flush(frame)
        if self.rec.survived:
            self.rec.settle_survivors()
        self.line[fid] = line
        # A new execution of a line of the model frame: its stack lets go of what the last held.
        self.rec.release_held(self.rec.current)
        self.emit_line(frame, line)

    def on_return(self, frame, value):
        fid = id(frame)
        if self.returned_frames:
            self.rescan_returned()
        self.flush(frame)
        self._return(frame, fid, value)
        if fid in self.rec.running_frames:
            self.rec.frame_finished(fid)

    def _return(self, frame, fid, value):
        sort = self.sort.get(fid)
        rec = self.rec
        if sort == FUNCTION and self.model_frames and self.model_frames[-1] == fid:
            if fid in rec.label and not frame.f_code.co_flags & _CO_GENERATOR_LIKE:
                rec.take_over_locals(frame)
                self.returned_frames.append(frame)
            text = '{"op":"return"'
            rid = rec.discover(value) if value is not None else -1
            rec.emit_pending()
            kept = rid >= 0 and rid in rec.label
            if kept:
                text += ',"value":"%s","keep":true' % rec.label[rid]
                rec.rc[rid] += 1  # in flight while the frame's names go
            rec.let_go_of_cells(fid)
            rec.emit(text + '}')
            self.model_frames.pop()
            self.model_files.pop()
            rec.drop_frame_names(fid)
            rec.release_held(fid)
            rec.current = self.model_frames[-1]
            if kept:
                rec.hold_returned(rec.current, rid)
                rec.release(rid)
                rec.keep_returned(rec.current, value, rid)
            rec.commit()
            # A generator's frame that yields is a new frame of the model when it resumes.
            self.sort.pop(fid, None)
            line = self.line.pop(fid, None)
            if line is not None and frame.f_code.co_flags & _CO_GENERATOR_LIKE:
                self.suspended[fid] = line_key(frame.f_code, line)
        elif sort == NAMESPACE and self.model_frames and self.model_frames[-1] == fid:
            rec.emit('{"op":"return"}')
            self.model_frames.pop()
            self.model_files.pop()
            rec.release_held(fid)
            rec.current = self.model_frames[-1]
            rec.commit()
            self.sort.pop(fid, None)
            self.line.pop(fid, None)
            rid = self.class_namespaces.pop(fid, None)
            if rid is not None:
                rec.namespace_dicts.pop(rid, None)  # its address may be a new namespace's later
            if rid is not None and rid in rec.label:
                # The body ran: its namespace lives until the class is made and stored.
                label = rec.label[rid]
                rec.emit('{"op":"hold","id":"%s"}' % label)
                rec.hold(rec.current, rid)
                rec.emit('{"op":"decref","id":"%s"}' % label)
                rec.external[rid] -= 1
                rec.release(rid)

    # ------------------------------------------------------------------------------------------
    # Comparing

    def flush(self, frame):
        """Writes what the frame's last line changed: its names and the objects they name."""
        rec = self.rec
        fid = id(frame)
        sort = self.sort.get(fid)
        if sort is None:
            return
        line = self.line.get(fid)
        names, global_stores, keys, uses = self.line_info(frame.f_code, line) if line is not None else ((), (), [], '')
        rec.assigning_class = line is not None and line_key(frame.f_code, line) in CLASS_STORES
        if sort == FUNCTION:
            values = frame.f_locals
            if fid == rec.current:
                rec.diff_names(fid, values, names if line is not None else None)
            else:
                # A caller flushed before a collection: its names are the model's to bind when
                # its own line ends ("bind" binds in the current frame); meanwhile what they newly
                # hold (a 3.12 comprehension's variable) is held for it.
                rec.hold_outer_names(fid, values, names if line is not None else None)
            scope = values
        elif sort == MAIN:
            scope = self.main_globals
            rec.diff_names('main', scope, names, rec.current != 'main')
        else:
            scope = frame.f_locals
            rec.rescan(scope)
        globals_ = frame.f_globals
        if global_stores:
            if globals_ is self.main_globals:
                rec.diff_names('main', globals_, global_stores)
            else:
                rec.rescan(globals_)
        deep = []
        if uses:
            self.note_uses(uses, scope, globals_, deep)
        values = []
        for name in names:
            value = _lookup(name, scope, globals_)
            if value is not None:
                values.append(value)
        keys.extend(v for v in values if type(v) is str or type(v) is int)
        if 'setattr' in names:
            # setattr(obj, name, value): an attribute whose name no code of the line spells out.
            # The names the line holds are candidates for what instances hold (copies: the
            # recorder keeps none of the program's objects alive).
            attr_names = rec.attr_names
            for key in keys:
                if type(key) is str and key not in attr_names and key.isidentifier():
                    attr_names[(key + '.')[:-1]] = 1
        for value in values:
            self.rescan_deep(value, keys)
        for value in deep:
            # `self.holder.inbox.append(x)`: a container further down than rescan_deep looks
            # from the names, changed through an attribute path the line spells out.
            self.rescan_deep(value, keys)
        for value in rec.returned_to('main' if sort == MAIN else fid):
            self.rescan_deep(value, keys)
        rec.emit_changes()
        if fid == rec.current:
            rec.release_outer_names(fid)  # (once its names hold what was held for them)
        rec.notice_finalizers()
        rec.notice_garbage_cleared()
        rec.hints.clear()

    def note_uses(self, text, scope, globals_, deep):
        """Sets the recorder's hints: how the line used each big container it names (uses.py), as
        [use, how many stores at keys it cannot name, the keys it can...]. A
        container or instance handed to code the recorder does not know (a call, a method) could
        have had anything below it changed: then no hint is given at all. What the line may have
        changed at the end of an attribute path of three names or more goes to `deep`."""
        rec = self.rec
        kinds = rec.kind
        hints = rec.hints
        read_consts = []
        for use, path, key in U.parse(text):
            if use == U.INNER:
                hints[_INNER_CODE] = 1
                continue
            obj = self.resolve(path, scope, globals_)
            if obj is None:
                continue
            oid = id(obj)
            if use != U.READ and path.count('.') >= 2 and oid in rec.label:
                deep.append(obj)
            kind = kinds.get(oid)
            if use == U.OTHER:
                if kind in _HANDED_KINDS and not isinstance(obj, type) and (kind != O.INSTANCE or self.rec.is_foreign(obj)):
                    hints.clear()
                    return
                continue
            if kind != O.DICT and kind != O.LIST:
                continue
            if use == U.WHOLE:
                hints[oid] = [U.OTHER, 0]
                continue
            hint = hints.get(oid)
            if use == U.NEW:
                use = U.STORE
                if hint is None:
                    hint = hints[oid] = [use, 0]
                hint[1] += 1
            if hint is None:
                hint = hints[oid] = [use, 0]
            elif hint[0] != use:
                if hint[0] == U.READ:
                    hint[0] = use
                elif use != U.READ:
                    hint[0] = U.OTHER
            if key:
                value = _key_value(key, scope, globals_)
                if value is _NO_KEY:
                    hint[0] = U.OTHER
                else:
                    hint.append(value)
                    if type(value) is int and not -5 <= value <= 256 and key[0] != 'n':
                        read_consts.append(hint)  # (a name's value is the line's own object)
        for hint in read_consts:
            # A big int constant read at (`records[4997]`), or one the recorder computed
            # (`records[i + 1]`), finds its entry by value, but it is another object than the
            # line's: a store on the same line is compared in full.
            if hint[0] != U.READ:
                hint[0] = U.OTHER

    def resolve(self, path, scope, globals_):
        """The object a use's path names (`self.cache`), read without running the program's code:
        attributes only of traced instances (and of instances of container subclasses that have a
        __dict__), and not where the class has a descriptor."""
        rec = self.rec
        parts = path.split('.')
        obj = _lookup(parts[0], scope, globals_)
        for attr in parts[1:]:
            if obj is None or attr in rec._class_names(type(obj)):
                return None
            kind = rec.kind.get(id(obj))
            if kind != O.INSTANCE and not (kind in O.CONTAINER_KINDS and id(obj) in rec.hidden):
                return None
            try:
                obj = object.__getattribute__(obj, attr)
            except Exception:
                return None
        return obj

    def rescan_deep(self, obj, keys=()):
        """A named object and what it holds, two levels down: a line can change an attribute's
        list (`self.items.append(x)`) as easily as the object itself, and one level further under
        a dict at the keys the line names (`self.handlers[topic].remove(h)`). Below an instance of a
        library's class (a WeakValueDictionary, a logging handler) the line may have run that
        library's code, which changes what the instance holds at any depth: all of it is rescanned."""
        rec = self.rec
        oid = id(obj)
        if oid not in rec.label:
            return
        rec.rescan(obj)
        if isinstance(obj, type):
            # A class's attributes are one level further, in its __dict__ (`Plugin.registry[k] = v`
            # changes the registry as `self.items.append(x)` changes an instance's list).
            obj = O.class_namespace(obj)
            oid = id(obj)
            if oid not in rec.label:
                return
            rec.rescan(obj)
        kind = rec.kind.get(oid)
        if oid in rec.hidden and kind in O.CONTAINER_KINDS:
            # So are an instance's of a container subclass (`parent.children.append(self)`).
            # (Only a plain dict: two dict subclass instances may each be the other's __dict__.)
            own = O.container_dict(obj, kind)
            if type(own) is dict and id(own) == rec.hidden[oid]:
                self.rescan_deep(own)
        if kind not in _DEEP_KINDS:
            return
        foreign = [obj] if kind == O.INSTANCE and self.rec.is_foreign(obj) else []
        hint = rec.hints.get(oid)
        if kind in _SIZED_KINDS and hint is not None and hint[0] != U.OTHER and _INNER_CODE not in rec.hints:
            # The line read, stored or appended at places it names and ran no code inside it that
            # could reach the other entries: those places are what may have changed, and what
            # their entries hold is looked at only there (`for i in range(len(nodes))` reaches
            # no entry of nodes at i).
            refs = _entries_at(obj, kind, hint)
            keys = [key for key in hint[2:] if type(key) is str or type(key) is int]
        elif kind in _SIZED_KINDS and len(obj) > _DEEP_LIMIT:
            refs = ()
        elif kind == O.DICT:
            refs = [*dict.values(obj)]
        else:
            _, refs = rec.describe(obj, kind)
        if len(refs) <= _DEEP_LIMIT:
            for child in refs:
                if child is not None and id(child) in rec.label and id(child) != oid:
                    ckind = rec.kind.get(id(child))
                    if ckind in _DEEP_KINDS:
                        rec.rescan(child)
                        if ckind == O.INSTANCE and self.rec.is_foreign(child):
                            foreign.append(child)
                        elif ckind == O.DICT and keys:
                            for key in keys:
                                value = dict.get(child, key)
                                if value is not None and rec.kind.get(id(value)) in _DEEP_KINDS:
                                    rec.rescan(value)
        if keys and (kind == O.LIST or kind == O.DICT):
            # `config[3].settings.clear()`: what the entry holds, one level further.
            for key in keys:
                entry = _entry(obj, key)
                if entry is not None and rec.kind.get(id(entry)) in _DEEP_KINDS:
                    children = rec.describe(entry, rec.kind[id(entry)])[1]
                    if len(children) > _KEYED_LIMIT:
                        continue  # a row of a big table: its own line names it when it changes
                    for child in children:
                        if child is not None and rec.kind.get(id(child)) in _DEEP_KINDS:
                            rec.rescan(child)
        if foreign:
            self.rescan_below(foreign)

    def rescan_below(self, roots):
        """Rescans everything the trace follows below `roots` (at most _DEEP_LIMIT objects)."""
        rec = self.rec
        seen = {id(r) for r in roots}
        stack = list(roots)
        while stack and len(seen) < _DEEP_LIMIT:
            obj = stack.pop()
            kind = rec.kind.get(id(obj))
            if kind not in _DEEP_KINDS:
                continue
            rec.rescan(obj)
            _, refs = rec.describe(obj, kind)
            for child in refs:
                cid = id(child)
                if child is not None and cid not in seen and cid in rec.label:
                    seen.add(cid)
                    stack.append(child)

    def flush_all(self):
        """Every frame on the stack, innermost first (before a collection or gc call). Frames above
        the innermost traced one are starting: a collection can run while CPython makes a new
        frame (on 3.11 tracing makes a frame object for each call), before the trace hears of the
        call. What they hold already exists: a traced frame is started here, the arguments of an
        untraced one the traced code called are allocated, so that the collection finds them where
        the real one did."""
        self.rec.adopt_imported_modules()
        if self.returned_frames:
            self.rescan_returned()
        frame = sys._getframe(1)
        known = []
        starting = []
        while frame is not None:
            if id(frame) in self.sort:
                known.append(frame)
            elif not known and id(frame) not in self.early:
                starting.append(frame)
            frame = frame.f_back
        for frame in known:
            self.flush(frame)
        rec = self.rec
        for frame in reversed(starting):
            code = frame.f_code
            if code is self.main_code or code.co_name in _INLINE_NAMES or not (code.co_flags & _CO_NEWLOCALS):
                continue
            if code.co_filename.startswith(_OWN_DIR):
                continue  # the recorder's own (the gc.collect wrapper)
            if self.is_traced_file(code.co_filename):
                if self.on_call(frame):
                    self.early[id(frame)] = 1
            elif id(frame.f_back) in self.sort or id(frame.f_back) in self.early:
                # A library function the traced code called: what it was given. (What a library's
                # frames further in hold is the library's, which its own code changes unseen.)
                values = frame.f_locals
                for name in _argument_names(code):
                    value = values.get(name)
                    if value is not None and id(value) not in rec.label:
                        rid = rec.discover(value)
                        if rid >= 0:
                            rec.emit_pending()

    # ------------------------------------------------------------------------------------------
    # Collections

    def gc_callback(self, phase, info):
        if self.collecting or not self.active or self.failed:
            return
        try:
            self._gc_phase(phase, info)
        except Exception:
            self.fail()

    def _gc_phase(self, phase, info):
        if phase == 'start':
            # (The collection sets the count to zero once its callbacks have run: what the
            # recorder allocates here is not counted.)
            self._auto_count = gc.get_count()
            self._auto_generation = info['generation']
            was_busy = self.busy
            self.busy = True
            try:
                self.flush_all()
                self.rec.untraced_garbage(info['generation'])
                self.rec.before_collection(info['generation'])
                self.allocations.refill()
            finally:
                self.busy = was_busy
        elif self._auto_count is not None:
            count = self._auto_count
            self._auto_count = None
            self.rec.emit('{"op":"gc.auto","count":[%d,%d,%d],"observed":{"generation":%d,"collected":%d,"uncollectable":%d}}' % (
                count[0], count[1], count[2], info['generation'], info['collected'], info['uncollectable']))
            self.rec.after_collection(info['generation'], info['collected'])

    def setting(self, real, event):
        """A gc function that changes how the collector runs (GC_SETTINGS), recorded where the
        program called it: after the changes its line has made so far."""
        def call(*args, **kwargs):
            if self.busy or not self.active or self.failed:
                return real(*args, **kwargs)
            self.busy = True
            was = gc.isenabled()
            gc.disable()
            try:
                self.flush_all()
            except Exception:
                self.fail()
            finally:
                if was:
                    gc.enable()
            try:
                result = real(*args, **kwargs)
                if real is _FREEZE or real is _UNFREEZE:
                    self.rec.program_froze = real is _FREEZE
                if not self.failed:
                    self.rec.emit(event())
                return result
            finally:
                self.busy = False
        call.__name__ = real.__name__
        call.__doc__ = real.__doc__
        return call

    def collect(self, generation=2):
        """gc.collect(), recorded: the program's changes first, then the call and its result."""
        if self.busy or not self.active or self.failed:
            return self._collect(generation)
        self.busy = True
        # Nothing the recorder allocates may start a collection of its own: the collector stays
        # off until the program's collection is over.
        was = gc.isenabled()
        gc.disable()
        try:
            count = gc.get_count()  # (the program's: before the recorder's work below)
            try:
                self.flush_all()
                if generation == 2:
                    self.rec.notice_untraced_changes(collecting=True)
                self.rec.untraced_garbage(generation)
                self.rec.before_collection(generation)
            except Exception:
                self.fail()
                return self._collect(generation)
            self.allocations.refill()  # (counted until the collection sets the count to zero)
            self.collecting = True
            try:
                result = self._collect(generation)
            finally:
                self.collecting = False
            discarded = self.rec.survivors(generation, self.model_frames)
            self.rec.emit('{"op":"gc.collect","generation":%d%s,"observed":{"result":%d,"count":[%d,%d,%d]}}' % (generation, discarded, result, count[0], count[1], count[2]))
            self.rec.after_collection(generation, result)
            return result
        finally:
            if was:
                gc.enable()
            self.busy = False


_FREEZE = gc.freeze
_UNFREEZE = gc.unfreeze


# The gc functions that change what the collector does, and the trace event each becomes (the
# thresholds decide which generation an automatic pass the trace records collects).
GC_SETTINGS = {
    'set_threshold': lambda: '{"op":"gc.set_threshold","threshold":[%d,%d,%d]}' % gc.get_threshold(),
    'set_debug': lambda: '{"op":"gc.set_debug","flags":[%s]}' % ('"saveall"' if gc.get_debug() & gc.DEBUG_SAVEALL else ''),
    'freeze': lambda: '{"op":"gc.freeze"}',
    'unfreeze': lambda: '{"op":"gc.unfreeze"}',
}

# What a use of the OTHER kind can hand to unknown code, which may change anything below it (an
# instance of a traced class is handed to its methods, and a class called runs its __init__: their
# lines are traced).
_HANDED_KINDS = frozenset([O.DICT, O.LIST, O.SET, O.INSTANCE, O.GENERIC])
_SIZED_KINDS = frozenset([O.DICT, O.LIST, O.SET])
_NO_KEY = object()
_INNER_CODE = -1  # a key of Recorder.hints (never an id): the line runs code of its own


def _made_by_call(code):
    """The names of a function's *args and **kwargs: containers each call makes for its frame."""
    flags = code.co_flags
    if not flags & (_CO_VARARGS | _CO_VARKEYWORDS):
        return ()
    at = code.co_argcount + code.co_kwonlyargcount
    return code.co_varnames[at:at + (1 if flags & _CO_VARARGS else 0) + (1 if flags & _CO_VARKEYWORDS else 0)]


def _argument_names(code):
    """The names of a function's parameters (*args and **kwargs included)."""
    flags = code.co_flags
    n = code.co_argcount + code.co_kwonlyargcount + (1 if flags & _CO_VARARGS else 0) + (1 if flags & _CO_VARKEYWORDS else 0)
    return code.co_varnames[:n]


def _resumed(frame):
    """Whether a generator's frame starts again at the RESUME after its yield (next(), send()),
    not at the yield itself with an exception thrown in (3.11; on 3.12+ only a resumption calls
    on_call for a started generator)."""
    code = frame.f_code.co_code
    lasti = frame.f_lasti
    return 0 <= lasti < len(code) - 1 and code[lasti] == _RESUME and code[lasti + 1] != 0


def _lookup(name, scope, globals_, missing=None):
    """A name's value as the line saw it: the frame's scope, then its globals (`missing` if neither)."""
    value = scope.get(name, missing) if hasattr(scope, 'get') else missing
    if value is missing and globals_ is not scope:
        value = globals_.get(name, missing)
    return value


def _key_value(key, scope, globals_):
    """The object a use's key text stands for (uses.py), or _NO_KEY."""
    if key[0] == 's':
        return key[1:]
    if key[0] == 'i':
        return int(key[1:])
    if key[0] == 'x':
        return _arithmetic_value(key[1:].split(' '), scope, globals_)
    return _lookup(key[1:], scope, globals_, _NO_KEY)


def _arithmetic_value(tokens, scope, globals_):
    """The value of a computed key's postfix arithmetic (uses.py) when its names hold ints, or
    strs only added (what the line computed, with none of the program's code run); else _NO_KEY."""
    stack = []
    for token in tokens:
        if token[0] == 'o':
            b = stack.pop()
            a = stack.pop()
            if type(a) is not type(b) or (type(a) is str and token != 'o0'):
                return _NO_KEY
            try:
                stack.append(U.KEY_ARITHMETIC[int(token[1:])](a, b))
            except (ArithmeticError, ValueError):  # (a division by zero, a negative shift: the line raised)
                return _NO_KEY
        elif token[0] == 'i':
            stack.append(int(token[1:]))
        else:
            value = _lookup(token[1:], scope, globals_, _NO_KEY)
            if type(value) is not int and type(value) is not str:
                return _NO_KEY
            stack.append(value)
    return stack[0]


def _entries_at(container, kind, hint):
    """What a dict or list holds at the keys of a hint (what the line read or stored there); a
    dict only at str and int keys, whose hashing runs none of the program's code."""
    found = []
    for key in hint[2:]:
        if kind != O.DICT or type(key) in (str, int):
            value = _entry(container, key)
            if value is not None:
                found.append(value)
    return found


def _entry(container, key):
    """container[key] for a list or dict, or None, without running any code of the program's."""
    if isinstance(container, dict):
        return dict.get(container, key)
    if type(key) is int and -len(container) <= key < len(container):
        return list.__getitem__(container, key)
    return None


def _q(text):
    from .trace import quote
    return quote(text)
