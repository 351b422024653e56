"""Oracle B: per-line memory of a real run, measured with sys.getsizeof at every line boundary.

    python observer.py [--out FILE] PROGRAM [ARGS...] [--out FILE]

Independent of the recorder: it shares nothing with it but start.py (the start sequence both
follow; the tracer and this oracle's bookkeeping are set up in its step 6, before the freeze).
Slow by design: it walks the program's whole object graph at every line event.

WHAT IS COUNTED -- memory = the sum of sys.getsizeof(o) over the program's live objects:

* Preexisting objects are never counted and never walked into: everything gc.get_objects()
  lists at set-up, plus sys.modules, the builtins, the compiled program (its code objects with
  their constants and names) and the interpreter's cached singletons (ints -5..256,
  one-character str and bytes, empty str, bytes and tuple), and transitively everything
  gc.get_referents reaches from those. A library module the program imports (one whose file is
  not in the program's directory, e.g. `dataclasses` when nothing imported it before) counts as
  if imported before the start: what it holds when it first shows in sys.modules is
  preexisting too, so the census does not depend on which modules the oracle itself happened to
  import. The observer holds a reference to each of them, so an id it recorded never comes to
  mean a program object.
* Roots, not counted themselves: the globals of __main__ and of every module whose file is in
  or under the program's directory (less the import system's `__builtins__`, `__loader__`,
  `__spec__`), and the f_locals of every frame on the stack whose code comes from such a file.
  Frames' f_locals dicts are made by the tracing machinery: never counted.
* Live program objects: every object reachable from the roots through gc.get_referents that is
  not preexisting. The walk never enters module objects, code objects or frame objects (so the
  locals of a finished frame that a traceback keeps are not reached through it), a function's
  __globals__ when they are a module's dict, any module's dict, or the f_locals dict of a generator's frame; it does enter
  generators, whose referents are their frame's locals, cells and suspended value stack.
* Plus cyclic garbage that no collection has freed yet: objects counted at an earlier boundary
  that no root reaches now but that are still alive -- in gc.get_objects() at the same id with
  the same type -- and what they reach, keeping only what lies on a reference cycle among those
  objects or hangs off one. That drops objects that are alive only because something outside
  the set holds them (an evaluation stack, a C structure) and any object that merely took over
  a dead one's address. Frames are not entered here either, so a cycle that runs through a
  frame (an exception whose traceback holds the frame whose locals hold the exception) stops
  counting once no root reaches it. gc.get_objects() does not list the permanent generation, so
  garbage the program froze itself is not seen.
* Not counted: objects held only by an evaluation stack -- a `for` loop's iterator, call
  arguments in flight, a list a comprehension is building -- which the observer cannot see
  (nor can the recorder), except a value just returned (below); references held from C (the
  C-level cache of functools.lru_cache, interpreter caches); the observer's own objects.

PER-LINE FIGURES (memprof SPEC section 5.1): each `line` event of a program frame ends the
frame's open execution and begins a new one, measured right there; a call keeps the caller's
execution open until the callee returns, so the caller's line includes all the callee did.
When a program frame returns or yields, its last execution ends at the next event of any kind:
the observer sets f_trace_opcodes on a traced caller, so that event is the caller's next
instruction, after the callee's frame released its locals (memprof charges those frees to the
callee's last line). Until then what is in flight on the caller's stack counts: the returned
or yielded value, and the instance an `__init__` initialised. A class body frees nothing as it
returns; its last execution ends at its `return` event, before the class is made. A
generator resumed by next() opens a new execution of the line it was suspended at.
Comprehensions and generator expressions (frames of their own on 3.11) have no executions of
their own: their work belongs to the line that runs them, as on 3.12 where list, set and dict
comprehensions are inlined. increment = sum of (after - before), occurrences = executions,
memUsage = the largest memory right after an execution.

COLLECTIONS: the callbacks run with automatic collection off (restored after), so no pass runs
while the observer holds references to program objects. Tracing itself still changes the
collector's counts -- sys.settrace makes a frame object and an f_locals dict for every call,
and the observer allocates as it walks -- so automatic passes run at other moments than in an
untraced run and frames join reference cycles; "collects" shows what the traced run's
gc.collect() calls returned, to compare with untraced.py's.

Output, one JSON document in FILE: {"python", "lines": [{"file", "line", "function",
"occurrences", "increment", "memUsage"}], "census": {"objects", "bytes", "byType": {type:
[n, bytes]}}, "collects": [...], "exit"} -- files relative to the program's directory, lines
in file order, the census of live program objects when the program has finished.
"""
import builtins
import dis
import gc
import json
import os
import platform
import sys
import types
from array import array

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import start  # noqa: E402

_getsizeof = sys.getsizeof
_get_referents = gc.get_referents
_get_objects = gc.get_objects
_isenabled = gc.isenabled
_enable = gc.enable
_disable = gc.disable

NEVER_ENTER = (types.ModuleType, types.CodeType, types.FrameType)
GENERATORS = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)
IMPORT_NAMES = ('__builtins__', '__loader__', '__spec__')
RESUME = dis.opmap['RESUME']
# Frames that only build one value for the line that runs them (3.11 runs comprehensions in
# frames of their own; 3.12 inlines list/set/dict comprehensions, generator expressions stay).
FOLDED = {'<listcomp>', '<setcomp>', '<dictcomp>', '<genexpr>'}
NOT_PROGRAM, PROGRAM, FOLDED_PROGRAM = 0, 1, 2
CO_OPTIMIZED = 0x0001


def code_strings(code):
    """What a code object holds (get_referents sees none of it: code is not a GC type)."""
    return (code.co_consts + code.co_names + code.co_varnames + code.co_cellvars + code.co_freevars
            + (code.co_name, getattr(code, 'co_qualname', ''), code.co_filename))


OWN_FILES = {os.path.realpath(__file__), os.path.realpath(start.__file__)}


class Observer:
    def __init__(self, program):
        self.program_dir = os.path.dirname(os.path.realpath(program))
        self.preexisting = set()
        self.keep = []
        # Per-line figures in arrays and untracked dicts (str/int only), so that the observer's
        # long-lived state adds no tracked object the cyclic-garbage check could mistake.
        self.line_index = {}            # "file\0line" -> index into the arrays
        self.line_function = {}         # "file\0line" -> function name
        self.occurrences = array('q')
        self.increment = array('q')
        self.mem_usage = array('q')
        self.open_key = {}              # id(frame) -> "file\0line" of its open execution
        self.open_before = {}           # id(frame) -> memory when it began
        self.pending_keys = []          # executions of returned frames, closed at the next event
        self.pending_before = []
        self.pending_values = []        # what those frames returned, on their caller's stack
        self.prev_live = {}             # id -> type of tracked objects counted at the last boundary
        self.code_kind = {}             # id(code) -> NOT_PROGRAM / PROGRAM / FOLDED_PROGRAM (code kept below)
        self.codes = []
        self.files = {}                 # co_filename -> path relative to the program's directory
        self.module_dicts = []
        self.modules_seen = -1
        self.all_module_dict_ids = set()
        self.known_modules = set()      # ids of modules whose contents are preexisting
        self.collects = []
        self.own_ids = set()
        self.census = None

    # -- set-up -------------------------------------------------------------------------------

    def snapshot_preexisting(self, code, namespace):
        seeds = list(_get_objects())
        seeds += [sys.modules, vars(builtins), code, namespace, (), '', b'']
        seeds += list(range(-5, 257))
        seeds += [chr(i) for i in range(256)] + [bytes([i]) for i in range(256)]
        pre, keep = self.preexisting, self.keep
        stack = seeds
        while stack:
            o = stack.pop()
            i = id(o)
            if i in pre:
                continue
            pre.add(i)
            keep.append(o)
            stack.extend(_get_referents(o))
            if type(o) is types.CodeType:
                stack.extend(code_strings(o))
        self.known_modules.update(id(m) for m in sys.modules.values())

    def setup(self, code, namespace):
        real_collect = gc.collect
        collects = self.collects

        def collect(generation=2):
            n = real_collect(generation)
            collects.append(n)
            return n

        gc.collect = collect
        self.namespace = namespace
        self.snapshot_preexisting(code, namespace)
        if sys.version_info >= (3, 12):
            # Opcode events reach a frame only if some frame asked for them before settrace.
            here = sys._getframe()
            here.f_trace_opcodes = True
            here.f_trace_opcodes = False
        sys.settrace(self.trace_call)

    # -- which code is the program's ---------------------------------------------------------

    def kind(self, code):
        kind = self.code_kind.get(id(code))
        if kind is None:
            path = os.path.realpath(code.co_filename)
            kind = NOT_PROGRAM
            # '<string>' (code a library made with exec, e.g. a dataclass's __init__) would
            # resolve against the current directory: only real files count.
            if (not code.co_filename.startswith('<') and path not in OWN_FILES
                    and path.startswith(self.program_dir + os.sep)):
                kind = FOLDED_PROGRAM if code.co_name in FOLDED else PROGRAM
                self.files[code.co_filename] = os.path.relpath(path, self.program_dir)
            self.code_kind[id(code)] = kind
            self.codes.append(code)     # keeps the id meaning this code object
        return kind

    def is_program(self, code):
        return self.kind(code) != NOT_PROGRAM

    def refresh_modules(self):
        """Program modules' dicts are roots; a library module imported while the program runs
        is treated as if it had been imported before the start: what it holds is preexisting."""
        if len(sys.modules) == self.modules_seen:
            return
        self.modules_seen = len(sys.modules)
        dicts = [self.namespace]
        ids = self.all_module_dict_ids
        ids.clear()
        ids.add(id(self.namespace))
        new_libraries = []
        for module in list(sys.modules.values()):
            if not isinstance(module, types.ModuleType):
                continue    # sys.modules may hold other objects, whose __dict__ is made anew each time
            d = module.__dict__
            ids.add(id(d))
            path = getattr(module, '__file__', None)
            if isinstance(path, str) and os.path.realpath(path).startswith(self.program_dir + os.sep):
                if d is not self.namespace:
                    dicts.append(d)
            elif id(module) not in self.known_modules:
                self.known_modules.add(id(module))
                self.keep.append(module)
                new_libraries.append(d)
        self.module_dicts[:] = dicts
        if new_libraries:
            self.adopt(new_libraries, {id(d) for d in dicts})

    def adopt(self, stack, program_dict_ids):
        """Mark what newly imported library modules hold as preexisting (never counted)."""
        pre, keep, counted = self.preexisting, self.keep, self.prev_live
        while stack:
            o = stack.pop()
            i = id(o)
            if i in pre or i in counted or i in program_dict_ids or type(o) is types.ModuleType:
                continue
            pre.add(i)
            keep.append(o)
            stack.extend(_get_referents(o))
            if type(o) is types.CodeType:
                stack.extend(code_strings(o))

    # -- measuring ----------------------------------------------------------------------------

    def measure(self, frame, census=False):
        """Bytes of live program objects now; with census=True also their count by type."""
        self.refresh_modules()
        pre = self.preexisting
        module_dict_ids = self.all_module_dict_ids
        seen = {}
        stack = []
        for d in self.module_dicts:
            for name, value in d.items():
                if name not in IMPORT_NAMES:
                    stack.append(name)
                    stack.append(value)
        stack.extend(self.pending_values)
        while frame is not None:
            if self.is_program(frame.f_code):
                f_locals = frame.f_locals
                if f_locals is frame.f_globals:
                    pass
                elif frame.f_code.co_flags & CO_OPTIMIZED:
                    stack.extend(f_locals.values())  # a function's: a snapshot of its locals
                else:
                    stack.append(f_locals)  # a class body's namespace: a dict the program made
            frame = frame.f_back
        total = self.walk(stack, seen, pre, module_dict_ids)
        prev = self.prev_live
        if any(i not in seen for i in prev):
            total += self.garbage(seen, pre, module_dict_ids)
        prev.clear()
        for i, o in seen.items():
            if gc.is_tracked(o):
                prev[i] = type(o)
        if census:
            by_type = {}
            for o in seen.values():
                t = type(o)
                name = t.__qualname__ if t.__module__ == 'builtins' else f'{t.__module__}.{t.__qualname__}'
                entry = by_type.setdefault(name, [0, 0])
                entry[0] += 1
                entry[1] += _getsizeof(o)
            self.census = {'objects': len(seen), 'bytes': total,
                           'byType': {k: by_type[k] for k in sorted(by_type)}}
        return total

    def garbage(self, seen, pre, module_dict_ids):
        """Bytes of cyclic garbage: objects counted at the last boundary that no root reaches now
        but that are still alive, and what they reach -- keeping only what sits on a reference
        cycle among those objects or hangs off one. An object held from outside that set (an
        evaluation stack, a C structure, a frame's f_locals) is not garbage of a cycle; the
        pruning also rejects an object that merely took over the address of a dead one."""
        prev = self.prev_live
        own = self.own_ids
        own.add(id(seen))
        candidates = []
        own.add(id(candidates))
        objects = _get_objects()
        own.add(id(objects))
        for o in objects:
            i = id(o)
            if i in prev and i not in seen and i not in own and type(o) is prev[i]:
                candidates.append(o)
        own.discard(id(objects))
        del objects
        nodes = {}                      # id -> object: the candidates and what they reach
        edges = {}                      # id -> ids of referents inside the set
        stack = candidates
        while stack:
            o = stack.pop()
            i = id(o)
            if i in nodes or i in seen or i in pre or i in module_dict_ids:
                continue
            if type(o) in NEVER_ENTER:
                continue
            nodes[i] = o
            refs = self.referents(o)
            edges[i] = [id(r) for r in refs]
            stack.extend(refs)
        own.discard(id(candidates))
        del candidates, stack
        indegree = dict.fromkeys(nodes, 0)
        for i, targets in edges.items():
            for j in targets:
                if j in indegree:
                    indegree[j] += 1
        # Kahn: take away what nothing in the set refers to, until only cycles and what they hold remain
        zero = [i for i, n in indegree.items() if n == 0]
        while zero:
            i = zero.pop()
            del nodes[i]
            for j in edges[i]:
                if j in nodes:
                    indegree[j] -= 1
                    if indegree[j] == 0:
                        zero.append(j)
        total = 0
        for i, o in nodes.items():
            seen[i] = o
            total += _getsizeof(o)
        own.discard(id(seen))
        return total

    def referents(self, o):
        """gc.get_referents(o) less what the walk never follows out of o."""
        refs = _get_referents(o)
        if not refs:
            return refs
        t = type(o)
        if t is types.FunctionType:
            g = o.__globals__
            if id(g) not in self.all_module_dict_ids:
                return refs  # (a namespace of its own: exec'd code, as namedtuple's __new__)
            return [r for r in refs if r is not g]
        if t in GENERATORS:
            f = getattr(o, 'gi_frame', None) or getattr(o, 'cr_frame', None) or getattr(o, 'ag_frame', None)
            if f is not None:
                locals_dict = f.f_locals
                return [r for r in refs if r is not locals_dict]
            return refs
        if len(refs) > 10000:
            return list(dict(zip(map(id, refs), refs)).values())
        return refs

    def walk(self, stack, seen, pre, module_dict_ids):
        total = 0
        while stack:
            o = stack.pop()
            i = id(o)
            if i in seen or i in pre or i in module_dict_ids:
                continue
            t = type(o)
            if t in NEVER_ENTER:
                continue
            seen[i] = o
            total += _getsizeof(o)
            stack.extend(self.referents(o))
        return total

    # -- line executions ----------------------------------------------------------------------

    def key_of(self, frame):
        code = frame.f_code
        key = f'{self.files[code.co_filename]}\0{frame.f_lineno}'
        if key not in self.line_index:
            self.line_index[key] = len(self.occurrences)
            self.line_function[key] = getattr(code, 'co_qualname', code.co_name)
            self.occurrences.append(0)
            self.increment.append(0)
            self.mem_usage.append(0)
        return key

    def close(self, key, before, after):
        k = self.line_index[key]
        self.occurrences[k] += 1
        self.increment[k] += after - before
        if after > self.mem_usage[k]:
            self.mem_usage[k] = after

    def close_pending(self, memory):
        for key, before in zip(self.pending_keys, self.pending_before):
            self.close(key, before, memory)
        self.pending_keys.clear()
        self.pending_before.clear()
        self.pending_values.clear()

    def open(self, frame, memory):
        self.open_key[id(frame)] = self.key_of(frame)
        self.open_before[id(frame)] = memory

    def end_frame(self, frame):
        """The frame returned or yielded: its open execution ends at the next event."""
        i = id(frame)
        if i in self.open_key:
            self.pending_keys.append(self.open_key.pop(i))
            self.pending_before.append(self.open_before.pop(i))

    # -- trace functions (automatic collection off while they work) --------------------------

    def trace_call(self, frame, event, arg):
        enabled = _isenabled()
        _disable()
        try:
            if self.pending_keys:
                self.close_pending(self.measure(frame))
            kind = self.kind(frame.f_code)
            if kind == NOT_PROGRAM:
                return None
            if kind == FOLDED_PROGRAM:
                return self.trace_folded
            code = frame.f_code.co_code
            lasti = frame.f_lasti
            if lasti >= 0 and code[lasti] == RESUME and code[lasti + 1] != 0:
                self.open(frame, self.measure(frame))       # a generator resumed
            return self.trace_local
        finally:
            if enabled:
                _enable()

    def trace_local(self, frame, event, arg):
        enabled = _isenabled()
        _disable()
        try:
            if event == 'line':
                memory = self.measure(frame)
                if self.pending_keys:
                    self.close_pending(memory)
                i = id(frame)
                if i in self.open_key:
                    self.close(self.open_key[i], self.open_before[i], memory)
                self.open(frame, memory)
            elif event == 'return':
                code = frame.f_code
                if not code.co_flags & CO_OPTIMIZED and frame.f_locals is not frame.f_globals:
                    # A class body: what it defined lives on in the class made from it, and
                    # nothing is freed as it returns, so its last execution ends here.
                    i = id(frame)
                    if i in self.open_key:
                        memory = self.measure(frame)
                        self.close(self.open_key.pop(i), self.open_before.pop(i), memory)
                    return self.trace_local
                self.end_frame(frame)
                caller = frame.f_back
                if caller is not None and caller.f_trace is not None and self.is_program(caller.f_code):
                    caller.f_trace_opcodes = True   # its next instruction is the next event
                # Until that event the returned (or yielded) value is alive on the caller's
                # stack, and so is the instance an __init__ initialised: both count.
                self.pending_values.append(arg)
                if code.co_name == '__init__' and code.co_argcount:
                    self.pending_values.append(frame.f_locals.get(code.co_varnames[0]))
            elif event == 'opcode':
                frame.f_trace_opcodes = False
                if self.pending_keys:
                    self.close_pending(self.measure(frame))
            return self.trace_local
        finally:
            if enabled:
                _enable()

    def trace_folded(self, frame, event, arg):
        """A comprehension or generator expression: its work belongs to the execution of the
        line that runs it; it only passes on opcode events after a traced callee returned."""
        if event == 'opcode':
            self.trace_local(frame, event, arg)
        # Stays this frame's tracer: its line events after a callee returned (the comprehension's
        # next item) are not executions of its own, nor a second copy of the running line's.
        return self.trace_folded

    def finish(self):
        enabled = _isenabled()
        _disable()
        memory = self.measure(None, census=True)
        self.close_pending(memory)
        for i in list(self.open_key):
            self.close(self.open_key.pop(i), self.open_before.pop(i), memory)
        if enabled:
            _enable()

    def lines(self):
        rows = []
        for key, k in self.line_index.items():
            file, line = key.split('\0')
            rows.append({'file': file, 'line': int(line), 'function': self.line_function[key],
                         'occurrences': self.occurrences[k], 'increment': self.increment[k],
                         'memUsage': self.mem_usage[k]})
        rows.sort(key=lambda r: (r['file'], r['line']))
        return rows


def split_args(args):
    out = None
    if args[:1] == ['--out']:
        out, args = args[1], args[2:]
    if len(args) >= 3 and args[-2] == '--out':
        out, args = args[-1], args[:-2]
    if not args or out is None:
        sys.exit('usage: observer.py --out FILE PROGRAM [ARGS...]')
    return out, args[0], args[1:]


def main():
    out, program, argv = split_args(sys.argv[1:])
    observer = Observer(program)
    code = start.run_program(program, argv, setup=observer.setup)
    sys.settrace(None)
    observer.finish()
    sys.stdout.flush()
    result = {'python': platform.python_version(), 'lines': observer.lines(),
              'census': observer.census, 'collects': observer.collects, 'exit': code}
    with open(out, 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')
    sys.exit(code)


if __name__ == '__main__':
    main()
