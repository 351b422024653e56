"""Oracle A: what a program's collector does when nothing traces it.

    python untraced.py [--out FILE] [--no-wrap] PROGRAM [ARGS...] [--out FILE]

Starts PROGRAM with start.run_program (the start sequence the recorder mirrors) and no tracer.
Every `gc.collect()` the program makes goes through a thin wrapper that appends the result to a
list made before the start-up freeze. When the program has finished (SystemExit included), one
JSON line goes to FILE (never to stdout, which is the program's own):

    {"python": "3.11.7", "collects": [...], "stats": [{"collections", "collected",
     "uncollectable"} x 3], "count": [c0, c1, c2], "exit": code}

- stats: gc.get_stats() at the end minus gc.get_stats() read before the start-up collection,
  without that collection itself (start.START_COLLECTED) -- what the program's own passes did;
- count: gc.get_count() as soon as run_program returns;
- --no-wrap leaves gc.collect alone ("collects" is null): the stats and count of that run show
  whether the wrapper disturbs anything (run-oracles.py --check-wrapper compares the two);
- --debug-stats sets gc.DEBUG_STATS before the freeze, so the interpreter itself prints every
  pass, automatic ones included, to stderr ("gc: done, N unreachable, ..."): the pass-by-pass
  comparison of a wrapped and an unwrapped run.

Why the wrapper does not disturb the counts: calling it creates no GC object (3.11+ function
frames live on the interpreter's data stack, not in a frame object), `list.append` only grows the
list's item array (not a GC allocation), and a collect result is an int (never tracked).
"""
import gc
import json
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import start  # noqa: E402


def split_args(args):
    """Oracle options before PROGRAM, or `--out FILE` as the last two arguments."""
    out, wrap, debug = None, True, False
    while args and args[0].startswith('--'):
        if args[0] == '--out':
            out, args = args[1], args[2:]
        elif args[0] == '--no-wrap':
            wrap, args = False, args[1:]
        elif args[0] == '--debug-stats':
            debug, args = True, args[1:]
        else:
            sys.exit(f'untraced.py: unknown option {args[0]}')
    if len(args) >= 3 and args[-2] == '--out':
        out, args = args[-1], args[:-2]
    if not args or out is None:
        sys.exit('usage: untraced.py [--no-wrap] [--debug-stats] --out FILE PROGRAM [ARGS...]')
    return out, wrap, debug, args[0], args[1:]


def main():
    out, wrap, debug, program, argv = split_args(sys.argv[1:])
    collects = [] if wrap else None
    before = {}

    def setup(code, namespace):
        before['stats'] = gc.get_stats()
        if wrap:
            real_collect = gc.collect

            def collect(generation=2):
                n = real_collect(generation)
                collects.append(n)
                return n

            gc.collect = collect
        if debug:
            gc.set_debug(gc.DEBUG_STATS)

    code = start.run_program(program, argv, setup=setup)
    count = gc.get_count()
    gc.set_debug(0)
    sys.stdout.flush()
    stats = [{k: end[k] - begin[k] for k in ('collections', 'collected', 'uncollectable')}
             for begin, end in zip(before['stats'], gc.get_stats())]
    stats[2]['collections'] -= 1
    stats[2]['collected'] -= start.START_COLLECTED
    result = {'python': platform.python_version(), 'collects': collects, 'stats': stats,
              'count': list(count), 'exit': code}
    with open(out, 'w') as f:
        f.write(json.dumps(result) + '\n')
    sys.exit(code)


if __name__ == '__main__':
    main()
