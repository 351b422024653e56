"""Keeps the program's allocation count (`gc.get_count()[0]`, which starts the automatic
collections) where the untraced run has it.

CPython counts every allocation of an object the collector can track, and takes one off for every
such object freed while the count is above zero; an object taken from a freelist or put back on
one is not counted. Tracing moves that count where the untraced program does not:
- sys.settrace gives every traced call a frame object (and on 3.12+ so does sys._getframe for a
  traced frame), freed when the call returns; on 3.11 and 3.12 reading its f_locals gives it a
  dict too;
- the recorder's set-up after the start-up freeze (the tracer's own callbacks) allocates.
Each is paid for with tokens. A token is a tuple of 21 Nones: an allocation with no freelist
(freeing one takes one off the count, making one adds one, whatever the freelists hold), which the
collector untracks at its first pass, so that it never counts among the survivors a generation
passes on. When tracing adds to the count, tokens are freed; when it takes from it, tokens are made.

The recorder's work on each line is not paid for. What it keeps is little (a few objects per
thousand lines), and what it counts is mostly its temporaries going onto freelists the program had
emptied, which the program's next allocations then take without counting: the two even out. Paying
for that work would count each of those twice (a program building 1,000 instances, each with a
list, counted 1,000 where the untraced run counts 1,921).
"""
import gc
import sys

from .objects import process_words

_get_count = gc.get_count
_LOCALS_DICT = sys.version_info < (3, 13)  # (3.13's f_locals is a proxy, made and dropped at each read)
_CO_NEWLOCALS = 0x2
_TOKEN_LENGTH = 21  # (a name, not a literal: `(None,) * 21` would be one constant tuple)


def _locals_dropper():
    """On 3.11 and 3.12: a function that takes from a returning function frame the dict reading
    its f_locals gave it, so that a frame object that outlives the call (a traceback's) holds no
    more than the untraced program's does. The pointer is cleared in the frame's memory
    (`_PyInterpreterFrame.f_locals`, reached through `PyFrameObject.f_frame`) and the dict loses
    the frame's reference; nothing is allocated. None where the layout is not the one checked."""
    offset = {(3, 11): 24, (3, 12): 40}.get(sys.version_info[:2])
    words = process_words() if offset is not None else None
    if words is None:
        return None

    def slot(frame):
        return (words[(id(frame) + 24) >> 3] + offset) >> 3

    def drop(frame):
        if not frame.f_code.co_flags & _CO_NEWLOCALS:
            return  # (a module's or a class body's f_locals is its namespace)
        locals_ = frame.f_locals
        at = slot(frame)
        if words[at] != id(locals_):
            return
        words[at] = 0
        words[id(locals_) >> 3] -= 1  # the frame's reference; `locals_` holds one until it goes

    def probe():
        frame = sys._getframe()
        locals_ = frame.f_locals
        return words[slot(frame)] == id(locals_)

    try:
        return drop if probe() else None
    except Exception:
        return None


drop_locals = _locals_dropper() if _LOCALS_DICT else None


class Allocations:
    def __init__(self, n):
        self.reserve = n
        self.pool = [(None,) * _TOKEN_LENGTH for _ in range(n)]
        self.open = {}
        self.made = 0  # tokens frame_gone made since `begin`: not the recorder's work

    def frame_made(self, fid):
        """A frame object tracing made (once per frame)."""
        if fid in self.open:
            return
        self.open[fid] = 1
        if self.pool:
            self.pool.pop()

    def locals_made(self, frame):
        """On 3.11 and 3.12, reading a function frame's f_locals gives the frame a dict of its
        local variables, freed with it, which the untraced program does not make: read here, for a
        frame of `frame_made` the recorder follows, and paid for with a token. (Also when the dict
        came from the freelist: the program's next dict would have come from there, uncounted.)"""
        fid = id(frame)
        if not _LOCALS_DICT or self.open.get(fid) != 1 or not frame.f_code.co_flags & _CO_NEWLOCALS:
            return
        frame.f_locals
        self.open[fid] = 2
        if self.pool:
            self.pool.pop()

    def frame_gone(self, fid):
        """A frame of `frame_made` is about to be freed, with what tracing made for it."""
        for _ in range(self.open.pop(fid, 0)):
            self.pool.append((None,) * _TOKEN_LENGTH)
            self.made += 1

    @staticmethod
    def count():
        return _get_count()[0]

    def begin(self):
        """The count as the recorder's work starts (for `settle`)."""
        self.made = 0
        return _get_count()[0]

    def settle(self, before):
        """Gives the count back what the recorder's own work since `begin` moved it by (a frame
        object it asked for, and its token, are `frame_made`'s)."""
        moved = _get_count()[0] - before - self.made
        self.made = 0
        pool = self.pool
        if moved > 0:
            del pool[max(0, len(pool) - moved):]
        else:
            for _ in range(-moved):
                pool.append((None,) * _TOKEN_LENGTH)

    def refill(self):
        """Makes tokens back up to the reserve. Only at the start of a collection, which then sets
        the count to zero: what this allocates is not counted."""
        pool = self.pool
        for _ in range(self.reserve - len(pool)):
            pool.append((None,) * _TOKEN_LENGTH)
