"""A stand-in for memory_profiler, used only by the oracle runs (untraced.py, observer.py).

Programs in fixtures/programs/ may use `@profile` as a builtin (as `python -m memory_profiler`
provides it) or `from memory_profiler import profile`. The oracles must run them without
memory_profiler installed and without changing what they do, so `profile` here returns the
function unchanged. start.py registers this module as sys.modules['memory_profiler'] before the
start-up collection, so the program's import allocates nothing.
"""


def profile(func=None, stream=None, precision=1, backend='psutil'):
    """@profile and @profile(precision=2, ...) both leave the function as it is."""
    if func is None:
        return _unchanged
    return func


def _unchanged(func):
    return func
