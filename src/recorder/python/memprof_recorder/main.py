"""`memprof record`'s Python side: runs a program under the recorder and writes its trace.

    python memprof_record.py --out TRACE [--include PATTERN]... [--progress] -- SCRIPT [ARGS...]

The program starts as `python SCRIPT ARGS` would, in the sequence test/recorder/start.py
describes (the oracles the recorder is tested against start it the same way): its code compiled,
a fresh `__main__`, its directory first on sys.path, sys.argv, `profile` as a builtin and as
`memory_profiler.profile`; then the recorder's set-up; then `gc.collect(); gc.freeze()`, so that
the collector starts empty as memprof's model does; then the program runs. Its stdout, stderr and
exit code are its own.
"""
import _thread
import builtins
import fnmatch
import gc
import os
import platform
import sys
import traceback
import types
from weakref import ref as _WEAKREF

from . import objects as O
from .allocations import Allocations, drop_locals
from .recorder import Recorder, generator_referents
from .trace import TraceFile
from .tracer import GC_SETTINGS, Tracer

_real_collect = gc.collect
_real_freeze = gc.freeze


def parse_args(argv):
    out = None
    include = []
    progress = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == '--out':
            out = argv[i + 1]
            i += 2
        elif arg == '--include':
            include.append(argv[i + 1])
            i += 2
        elif arg == '--progress':
            progress = True
            i += 1
        elif arg == '--':
            i += 1
            break
        else:
            break
    if out is None or i >= len(argv):
        sys.stderr.write('usage: memprof_record.py --out TRACE [--include PATTERN] -- SCRIPT [ARGS...]\n')
        sys.exit(2)
    return out, include, progress, argv[i], argv[i + 1:]


class Files:
    """Which source files are traced: those under the script's directory, or matching --include."""

    def __init__(self, script, include):
        self.root = os.path.dirname(os.path.realpath(script))
        self.include = include
        self.cache = {}

    def __call__(self, filename):
        traced = self.cache.get(filename)
        if traced is None:
            traced = self._decide(filename)
            self.cache[filename] = traced
        return traced

    def _decide(self, filename):
        if not filename or filename.startswith('<'):
            return False
        path = os.path.realpath(filename)
        if self.include:
            return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(filename, p) for p in self.include)
        if os.sep + 'site-packages' + os.sep in path or os.sep + 'dist-packages' + os.sep in path:
            return False
        return path == self.root or path.startswith(self.root + os.sep)


def preexisting_objects(code):
    """Every object alive now, with what they reach, and the program's compiled code with its
    constants: none of them is made by the program. They are kept alive, so that their addresses
    never come to name a program object."""
    keep = list(gc.get_objects())
    codes = [code]
    while codes:
        c = codes.pop()
        keep.append(c)
        keep.extend(O.code_strings(c))
        codes.extend(const for const in c.co_consts if isinstance(const, types.CodeType))
    seen = set()
    stack = []
    for o in keep:
        if id(o) not in seen:
            seen.add(id(o))
            stack.append(o)
    referents = O.referents
    while stack:
        for r in referents(stack.pop()):
            rid = id(r)
            if rid not in seen:
                seen.add(rid)
                keep.append(r)
                stack.append(r)
    # Interpreter singletons a program refers to without making them.
    for v in list(range(-5, 257)) + [None, True, False, '', b'', (), Ellipsis, NotImplemented]:
        if id(v) not in seen:
            seen.add(id(v))
            keep.append(v)
    for c in range(256):
        for v in (chr(c), bytes([c])):
            if id(v) not in seen:
                seen.add(id(v))
                keep.append(v)
    return seen, keep


class ProfileDecorator:
    """`@profile` (memory_profiler's): marks the function as one of those to tabulate and returns
    it unchanged, so that the program runs as it would without it."""

    def __init__(self, profiled):
        self.profiled = profiled

    def __call__(self, func=None, stream=None, precision=1, backend='psutil'):
        if func is None:
            return self
        code = getattr(func, '__code__', None)
        if code is not None:
            self.profiled.append((code.co_filename, getattr(code, 'co_qualname', code.co_name), code.co_firstlineno))
        return func


# Pure-Python modules the recorder imports that a program's own imports may load (dataclasses loads
# dis and weakref, shutil is the trace's): taken out of sys.modules before the program starts,
# unless the interpreter had them already, so that the program's `import` loads them, and
# allocates, as it does without the recorder (the recorder keeps its own copies).
_OWN_IMPORTS = ('dis', 'opcode', '_opcode_metadata', 'weakref', '_weakrefset', 'shutil', 'fnmatch',
                'bz2', 'lzma', '_compression', 'struct', 'ctypes', 'ctypes._endian')


def forget_own_imports(preloaded):
    """Takes the recorder's own imports (_OWN_IMPORTS) out of sys.modules, but for those in
    `preloaded`, the modules the interpreter had before the recorder."""
    for name in _OWN_IMPORTS:
        if name not in preloaded:
            sys.modules.pop(name, None)


def main(argv=None, preloaded=None):
    argv = sys.argv[1:] if argv is None else argv
    out, include, progress, script, args = parse_args(argv)
    try:
        with open(script, 'rb') as f:
            source = f.read()
    except OSError as e:
        sys.stderr.write('memprof record: cannot read %s: %s\n' % (script, e.strerror))
        return 2
    try:
        code = compile(source, script, 'exec')
    except SyntaxError:
        traceback.print_exc()
        return 1

    main_module = types.ModuleType('__main__')
    main_module.__file__ = script
    main_module.__builtins__ = builtins
    namespace = main_module.__dict__
    sys.modules['__main__'] = main_module
    sys.path.insert(0, os.path.dirname(os.path.realpath(script)))
    sys.argv = [script] + list(args)

    profiled = []
    profile = ProfileDecorator(profiled)
    stub = types.ModuleType('memory_profiler')
    stub.profile = profile
    sys.modules['memory_profiler'] = stub
    builtins.profile = profile

    files = Files(script, include)
    trace = TraceFile(out)
    classifier = O.Classifier(files)
    version = '%d.%d' % sys.version_info[:2]
    threshold = gc.get_threshold()
    enabled = gc.isenabled()

    preexisting, keep = preexisting_objects(code)
    recorder = Recorder(trace, classifier, preexisting, namespace, version)
    allocations = Allocations(4096)
    tracer = Tracer(recorder, files, code, namespace, _real_collect, allocations)
    tracer.profiled = profiled
    gc.collect = tracer.collect
    for name, event in GC_SETTINGS.items():
        setattr(gc, name, tracer.setting(getattr(gc, name), event))
    gc.callbacks.append(tracer.gc_callback)
    _watch_threads_and_forks(tracer, trace)
    install = _settrace_install(tracer, allocations) if sys.version_info < (3, 12) else _monitoring_install(tracer, allocations)

    if preloaded is not None:
        forget_own_imports(preloaded)
    _real_collect()
    fill_freelists()
    _real_freeze()
    set_up = allocations.begin()  # (what the rest of the set-up allocates is paid for before the program starts)
    exit_code = 0

    def finish(exit_code):
        _uninstall(tracer)
        if tracer.forked_child:
            return
        end_count = gc.get_count()
        tracer.active = False
        tracer.busy = True
        try:
            if not tracer.failed:
                recorder.notice_untraced_changes()
                recorder.notice_finalizers()
            header = build_header(recorder, tracer, script, args, exit_code, version, threshold, enabled, end_count)
            trace.finish(header)
        except BaseException:
            trace.abandon()
            raise

    real_exit = os._exit

    def _exit(status):
        # os._exit skips every finally block and atexit handler: the trace is finished first, and
        # the process ends with the program's status whatever became of the trace.
        try:
            if not tracer.forked_child:
                finish(status)
        finally:
            real_exit(status)

    os._exit = _exit
    tracer.active = True
    allocations.settle(set_up)
    installing = allocations.begin()
    install()
    allocations.settle(installing)
    try:
        exec(code, namespace)
    except SystemExit as e:
        exit_code = _exit_code(e)
    except BaseException as e:
        _uninstall(tracer)
        # As the interpreter prints it: from the program's first frame, not from this exec.
        traceback.print_exception(type(e), e, e.__traceback__.tb_next)
        exit_code = 1
    finish(exit_code)
    return exit_code


def _watch_threads_and_forks(tracer, trace):
    """Only the main thread of the process that memprof started is traced. sys.settrace traces the
    calling thread only, and the sys.monitoring callbacks return at once in any other thread; either
    way a thread that runs traced code is noted. A child made by os.fork() stops tracing and leaves
    the trace to the parent, which notes the fork."""
    tracer.main_thread = _thread.get_ident()
    tracer.forked_child = False
    if sys.version_info < (3, 12):
        import threading

        def thread_started(frame, event, arg):
            tracer.note_thread()
            sys.settrace(None)
            return None

        threading.settrace(thread_started)

    def in_child():
        tracer.forked_child = True
        tracer.active = False
        tracer.failed = True
        _uninstall(tracer)
        trace.detach()

    def in_parent():
        tracer.note_once('the program forked: only the parent process is traced; what a child process does is not in the trace')

    os.register_at_fork(after_in_child=in_child, after_in_parent=in_parent)


def fill_freelists():
    """After the start-up collection emptied them, fills CPython's list and dict freelists (80 each)
    and those of tuples of 1 to 20 items (2000 each), as a long-running interpreter has them; the
    freeze then zeroes the counts this moved. So the recorder's own short-lived lists, dicts and
    tuples come from them and go back, moving neither the program's allocation count nor its
    automatic collections. test/recorder/start.py starts untraced runs the same way."""
    enabled = gc.isenabled()
    gc.disable()  # no collection may run meanwhile: it would count in the program's statistics
    held = [[] for _ in range(80)]
    held += [{} for _ in range(80)]
    for n in range(1, 21):
        held += [tuple(range(n)) for _ in range(2000)]
    del held
    if enabled:
        gc.enable()


def _exit_code(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


# ---------------------------------------------------------------------------------------------
# Tracing: sys.settrace on 3.11, sys.monitoring on 3.12+


_YIELD_VALUE = __import__('dis').opmap.get('YIELD_VALUE', -1)


def _yielded(frame):
    """A 'return' trace event that is a generator's yield: its frame lives on."""
    try:
        return frame.f_code.co_code[frame.f_lasti] == _YIELD_VALUE
    except (IndexError, ValueError):
        return False


def _settrace_install(tracer, allocations):
    files = tracer.is_traced_file

    def untraced(frame, event, arg):
        # Only the frame's return matters: its frame object is about to go.
        if event == 'return' and not _yielded(frame):
            allocations.frame_gone(id(frame))
            if drop_locals is not None:
                drop_locals(frame)
        return untraced

    # (Bound once: a bound method made at each event would be an allocation the program's count sees.)
    on_line = tracer.on_line
    on_return = tracer.on_return

    def start(frame, _):
        allocations.locals_made(frame)
        return tracer.on_call(frame)

    def recording(work, frame, arg):
        """`work(frame, arg)`, the recorder's, with the collector off and the tracer busy; a failure
        stops recording (None)."""
        was = gc.isenabled()
        gc.disable()
        tracer.busy = True
        try:
            return work(frame, arg)
        except Exception:
            tracer.fail()
            return None
        finally:
            tracer.busy = False
            if was:
                gc.enable()

    def local(frame, event, arg):
        returning = event == 'return' and not _yielded(frame)
        if returning:
            allocations.frame_gone(id(frame))
        if not (tracer.busy or tracer.collecting or tracer.failed):
            if event == 'line':
                recording(on_line, frame, frame.f_lineno)
            elif event == 'return':
                recording(on_return, frame, arg)
        if returning and drop_locals is not None:
            drop_locals(frame)  # (after the recorder's last look at the frame)
        return local

    def call(frame, event, arg):
        allocations.frame_made(id(frame))
        if tracer.busy or tracer.collecting or tracer.failed or not files(frame.f_code.co_filename):
            frame.f_trace_lines = False
            return untraced
        if recording(start, frame, None):
            return local
        frame.f_trace_lines = False
        return untraced

    def install():
        sys.settrace(call)

    return install


def _monitoring_install(tracer, allocations):
    mon = sys.monitoring
    tool = mon.PROFILER_ID
    E = mon.events
    files = tracer.is_traced_file
    getframe = sys._getframe
    # PY_UNWIND can only be a global event: its callback looks at traced codes only.
    local_events = E.LINE | E.PY_RETURN | E.PY_YIELD | E.PY_RESUME
    DISABLE = mon.DISABLE
    enabled_codes = set()

    get_ident = _thread.get_ident
    main_thread = tracer.main_thread

    def guard(fn):
        def callback(*a):
            if tracer.busy or tracer.collecting or tracer.failed:
                return None
            if get_ident() != main_thread:
                tracer.note_thread()
                return None
            was = gc.isenabled()
            gc.disable()
            tracer.busy = True
            try:
                return fn(*a)
            except Exception:
                tracer.fail()
                return None
            finally:
                tracer.busy = False
                if was:
                    gc.enable()
        return callback

    def frame_of_caller():
        # Asking for the frame object makes it (once per frame): paid for with a token.
        before = allocations.count()
        frame = getframe(3)
        if allocations.count() > before:
            allocations.frame_made(id(frame))
            allocations.locals_made(frame)
        return frame

    def py_start(code, offset):
        if not files(code.co_filename):
            return DISABLE
        if not tracer.on_call(frame_of_caller()):
            return DISABLE
        if id(code) not in enabled_codes:
            enabled_codes.add(id(code))
            mon.set_local_events(tool, code, local_events)

    def py_resume(code, offset):
        tracer.on_call(frame_of_caller())

    def line(code, lineno):
        tracer.on_line(frame_of_caller(), lineno)

    def py_yield(code, offset, value):
        tracer.on_return(getframe(2), value)

    def py_return(code, offset, value):
        frame = getframe(2)
        tracer.on_return(frame, value)
        allocations.frame_gone(id(frame))
        if drop_locals is not None:
            drop_locals(frame)

    def py_unwind(code, offset, exc):
        if id(code) not in enabled_codes:
            return
        frame = getframe(2)
        tracer.on_return(frame, None)
        allocations.frame_gone(id(frame))
        if drop_locals is not None:
            drop_locals(frame)

    # (Made now, before the start-up freeze: installing them allocates nothing the program would count.)
    callbacks = [(E.PY_START, guard(py_start)), (E.PY_RESUME, guard(py_resume)), (E.LINE, guard(line)),
                 (E.PY_RETURN, guard(py_return)), (E.PY_YIELD, guard(py_yield)), (E.PY_UNWIND, guard(py_unwind))]

    def install():
        mon.use_tool_id(tool, 'memprof')
        for event, callback in callbacks:
            mon.register_callback(tool, event, callback)
        mon.set_events(tool, E.PY_START | E.PY_UNWIND)

    return install


def _uninstall(tracer):
    if sys.version_info < (3, 12):
        sys.settrace(None)
    else:
        mon = sys.monitoring
        try:
            mon.set_events(mon.PROFILER_ID, 0)
            mon.free_tool_id(mon.PROFILER_ID)
        except ValueError:
            pass


# ---------------------------------------------------------------------------------------------
# The end: what the real run observed


# Generators and coroutines: their frame object and f_locals dict are tracing's, not the program's.
_GENERATOR_TYPES = (types.GeneratorType, types.CoroutineType)


_FRAME = types.FrameType


def _frame_referents(frame, recorder, keep_ids):
    """What a frame that outlived its call (a traceback's) holds for the program: not the
    tracer's function (`f_trace`), not the frames below the traced ones (the recorder's own), not
    the function the interpreter made to run a module's code (the model's frames have none) and
    not the dict of its locals that reading `f_locals` made on 3.11 and 3.12 (the untraced run
    has none)."""
    back = frame.f_back
    trace = frame.f_trace
    found = []
    for r in O.referents(frame):
        if r is trace or (id(r) not in recorder.label and (r is back or type(r) is types.FunctionType)):
            continue
        if type(r) is dict and id(r) not in recorder.label and id(r) not in keep_ids and not O.is_module_namespace(r):
            continue
        found.append(r)
    return found


def census(recorder, tracer, keep_ids):
    """The traced objects alive at the end of the real run, by type: what the program's names and
    namespaces reach, and the garbage no collection freed yet, among the objects the trace follows."""
    roots = list(tracer.main_globals.values())
    live_tracked = {}
    for obj in gc.get_objects():
        oid = id(obj)
        if oid in recorder.label or recorder.orphans.get(oid) == type(obj).__name__:
            live_tracked[oid] = obj
    roots.extend(live_tracked.values())
    roots.extend(gc.garbage)
    seen = set()
    by_type = {}
    debug_path = os.environ.get('MEMPROF_RECORD_CENSUS')
    debug = open(debug_path, 'w') if debug_path else None
    parents = {}
    objects = 0
    total = 0
    stack = [r for r in roots if r is not None]
    classify = recorder.classifier.kind
    while stack:
        obj = stack.pop()
        oid = id(obj)
        if oid in seen:
            continue
        seen.add(oid)
        kind = classify(obj, keep_ids)
        if kind == O.EXTERNAL or (kind == O.DICT and oid not in recorder.label and O.is_module_namespace(obj)):
            continue  # (a library's namespace, reached from one of its functions: its module holds it)
        name = 'weakref' if type(obj) is _WEAKREF else type(obj).__name__  # (the model's name for weakref.ref)
        size = sys.getsizeof(obj)
        if debug is not None:
            debug.write('%s %s %d %s %r\n' % (recorder.label.get(oid, '?'), name, size, parents.get(oid, '-'), obj if kind == O.ATOMIC else ''))
        entry = by_type.get(name)
        if entry is None:
            entry = by_type[name] = [0, 0]
        entry[0] += 1
        entry[1] += size
        objects += 1
        total += size
        if kind == O.WEAKREF:
            continue
        if type(obj) in _GENERATOR_TYPES:
            referents = generator_referents(obj)
        elif type(obj) is _FRAME:
            referents = _frame_referents(obj, recorder, keep_ids)
        else:
            referents = O.referents(obj)
        for r in referents:
            if id(r) not in seen:
                stack.append(r)
                if debug is not None and id(r) not in parents:
                    parents[id(r)] = recorder.label.get(oid, '?') + ':' + name
    if debug is not None:
        debug.close()
    return {
        'objects': objects,
        'bytes': total,
        'byType': [{'type': t, 'objects': n, 'bytes': b} for t, (n, b) in sorted(by_type.items())],
    }


def build_header(recorder, tracer, script, args, exit_code, version, threshold, enabled, count):
    gc.disable()
    recorder.let_go_of_returned()
    real_census = census(recorder, tracer, recorder.preexisting)
    sources = []
    seen_files = set()
    for code in tracer.codes_seen.values():
        seen_files.add(code.co_filename)
    main_lines = _read_lines(script)
    for filename in sorted(seen_files):
        if filename == script:
            continue
        sources.append({'file': tracer.shown(filename), 'lines': _read_lines(filename)})
    types_ = {}
    for name, slots in recorder.type_slots.items():
        decl = {}
        if slots:
            decl['slots'] = slots.split('\0')
        fin = recorder.finalizer_types.get(name)
        if fin:
            decl['finalizer'] = fin
        if decl:
            types_[name] = decl
    for name, base in recorder.type_bases.items():
        types_.setdefault(name, {})['base'] = base
    for name in recorder.generic_types:
        types_.setdefault(name, {}).setdefault('slots', [])
    for name in recorder.atomic_types:
        types_.setdefault(name, {})['tracked'] = False
    header = {
        'version': 1,
        'name': os.path.basename(script),
        'python': version,
        'source': {'file': script, 'lines': main_lines},
        'sources': sources,
        'gc': {'enabled': enabled, 'threshold': list(threshold), 'automatic': 'recorded'},
        'types': types_,
        'recorded': {
            'interpreter': '%s %s' % (platform.python_implementation(), platform.python_version()),
            'executable': sys.executable,
            'script': script,
            'argv': list(args),
            'exitCode': exit_code,
            'events': recorder.trace.count,
            'profiled': [{'file': tracer.shown(f), 'function': fn, 'line': line} for f, fn, line in tracer.profiled],
            'census': real_census,
            'count': list(count),
            'notes': tracer.notes,
        },
    }
    return header


def _read_lines(filename):
    try:
        with open(filename, 'r', encoding='utf-8', errors='replace') as f:
            return f.read().splitlines()
    except OSError:
        return []
