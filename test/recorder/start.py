"""How a program is started for `memprof record` and for the oracles that check it.

The recorder, untraced.py and observer.py all start a script with run_program(), or with the same
steps in the same order. The order matters: everything allocated before step 7 is frozen into the
permanent generation and never counts towards the program's `gc.collect()` results, its
`gc.get_count()` or its automatic collections; everything after it does.

    1. read the script's bytes and compile() them with filename = `path` exactly as given
       (tracebacks and code objects name the file as the user typed it);
    2. a fresh module `__main__` whose namespace holds `__name__ = '__main__'`, `__file__ = path`
       and `__builtins__` = the builtins module (plus the ModuleType defaults `__doc__`,
       `__package__`, `__loader__`, `__spec__`, all None). It replaces sys.modules['__main__'], so
       that dataclasses, enum, pickle and typing find the program's classes by module name;
    3. the script's directory (absolute, symlinks resolved, as `python script.py` computes it)
       goes first on sys.path, so a helper module beside the script is importable;
    4. sys.argv = [path, *argv];
    5. `profile` goes into builtins, and the module that provides it is registered as
       sys.modules['memory_profiler'] (default: test/recorder/memory_profiler.py, whose profile
       is a no-op), so `@profile` and `from memory_profiler import profile` both work and the
       import allocates nothing once the program runs;
    6. the caller's own set-up, `setup(code, namespace)`: a tracer, a gc.collect wrapper, lists
       for results. It is the last thing before the freeze, so its objects are frozen too;
    7. gc.collect(); the freelists filled; gc.freeze()  -- the collector starts empty, with counts
       (0, 0, 0), as the memprof model starts. The collect is the real gc.collect, taken when this
       module was imported, so a wrapper installed in step 6 does not see it. A full collection
       empties CPython's list, dict and tuple freelists; they are filled again (objects made and
       dropped: the freeze then zeroes the counts they moved), as a long-running interpreter's
       are, so that what a recorder allocates and frees while the program runs comes from them
       and goes back, and moves neither the program's allocation count nor its automatic
       collections;
    8. exec(code, namespace).

run_program() returns the exit code: 0 when the script ends, SystemExit's code when it raises it
(None -> 0, an int -> that int, anything else -> printed to stderr, 1), 1 after an uncaught
exception (whose traceback goes to stderr, as the interpreter prints it).

START_COLLECTED holds what step 7's gc.collect() returned, so that an oracle can take it out of
gc.get_stats() figures read before step 7 (reading them after step 7 would allocate and disturb
the program's counts).
"""
import builtins
import gc
import importlib.util
import os
import sys
import traceback
import types

_collect = gc.collect
_freeze = gc.freeze

START_COLLECTED = 0

_STUB = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'memory_profiler.py')


def load_stub_profiler():
    """The no-op memory_profiler stand-in beside this file, as a module object."""
    spec = importlib.util.spec_from_file_location('memory_profiler', _STUB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_program(path, argv=(), *, profiler=None, setup=None):
    """Run the script at `path` as `python path *argv` would, after the caller's `setup`."""
    global START_COLLECTED
    # 1
    with open(path, 'rb') as f:
        source = f.read()
    code = compile(source, path, 'exec')
    # 2
    main = types.ModuleType('__main__')
    main.__file__ = path
    main.__builtins__ = builtins
    namespace = main.__dict__
    sys.modules['__main__'] = main
    # 3
    sys.path.insert(0, os.path.dirname(os.path.realpath(path)))
    # 4
    sys.argv = [path, *argv]
    # 5
    if profiler is None:
        profiler = load_stub_profiler()
    sys.modules['memory_profiler'] = profiler
    builtins.profile = profiler.profile
    # 6
    if setup is not None:
        setup(code, namespace)
    # 7
    START_COLLECTED = _collect()
    fill_freelists()
    _freeze()
    # 8
    try:
        exec(code, namespace)
    except SystemExit as e:
        return _exit_code(e)
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def fill_freelists():
    """Fills the list and dict freelists (80 each) and the freelists of tuples of 1 to 20 items
    (2000 each): as many of each made at once, then dropped."""
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
