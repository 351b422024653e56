// What a line can change that none of its names leads to, and what the collector keeps alive for
// the program. Each comes from recording code written in the usual ways; what went wrong before
// is given beside it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusInterpreter, VERSIONS } from './support/corpus.js';
import { recordAndReplay } from './support/record.js';

interface Program {
  /** What the program shows. */
  title: string;
  source: string;
  /** What it prints, on every version or by version. */
  stdout: string | Record<string, string>;
  /** Its gc.collect() results, on every version or by version. */
  collects: number[] | Record<string, number[]>;
}

const PROGRAMS: Record<string, Program> = {
  // An enum's members are made by library code (EnumType), which had the recorder learn the
  // attribute names the module's code stores before the dataclass below existed: its generated
  // `__init__` (the only code storing `kind` and `children`) was never looked at, the nodes were
  // written without those attributes, and no node was in a cycle: the model's second collection
  // found 0 of 20.
  'enum_then_dataclass.py': {
    title: 'a dataclass defined after an enum: the attributes its generated __init__ stores',
    source: `import gc
from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    LEAF = 1
    BRANCH = 2


@dataclass
class Node:
    kind: Kind
    children: list = field(default_factory=list)
    parent: "Node" = None

    def add(self, child):
        child.parent = self
        self.children.append(child)
        return child


gc.collect()
roots = []
for i in range(5):
    root = Node(Kind.BRANCH)
    root.add(Node(Kind.LEAF))
    roots.append(root)
del roots, root
print(gc.collect())
`,
    stdout: '20\n',
    // (The first collection finds what making the enum and the dataclass left: on 3.13, 24.)
    collects: { '3.11': [0, 20], '3.12': [0, 20], '3.13': [24, 20] },
  },
  // `a.books` is read through a data descriptor whose __get__ returns a list from the dict the
  // descriptors store to (`_values`); no name of the line leads to the list. That dict was taken
  // for the instance's own __dict__ (every key of it is a name the class binds to a descriptor,
  // which the check skipped), which by chance put the list one level below the instance. With
  // that corrected alone, the list was never compared: each book died in the model when `b` was
  // rebound, and the trace was rejected where the identity map stored the next one ("object
  // 'o42' was freed at event 163"). The list a traced call returned is now compared at the end
  // of the line that got it.
  'descriptor_list.py': {
    title: 'a list a descriptor returned, appended to on the same line',
    source: `import gc
import weakref


class Field:
    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        return self if obj is None else obj._values[self.name]

    def __set__(self, obj, value):
        obj._values[self.name] = value


class Author:
    books = Field()

    def __init__(self):
        self._values = {}
        self.books = []


class Book:
    def __init__(self, author):
        self.author = author


identity = weakref.WeakValueDictionary()
authors = []
for i in range(4):
    a = Author()
    for j in range(3):
        b = Book(a)
        identity[i, j] = b
        a.books.append(b)
    authors.append(a)
del authors, a, b
print(gc.collect(), len(identity))
`,
    stdout: '36 0\n',
    collects: [36],
  },
  // gc.set_debug(gc.DEBUG_SAVEALL) keeps what a collection finds in gc.garbage; weakrefs to it are
  // cleared and their callbacks run all the same. The recorder took the kept objects for ones a
  // finalizer had resurrected and gave each a reference from outside, so the model collected
  // nothing (0, 0, 0 where the real run gives 3, 2, 2) and the census differed. Emptying
  // gc.garbage is now a gc.garbage.clear event.
  'saveall.py': {
    title: 'DEBUG_SAVEALL: gc.garbage kept, then emptied',
    source: `import gc
import weakref


class Node:
    def __init__(self, name):
        self.name = name
        self.peer = None


seen = []
cache = weakref.WeakValueDictionary()


def pair(tag):
    a, b = Node(tag + "a"), Node(tag + "b")
    a.peer, b.peer = b, a
    cache[tag] = a
    return weakref.ref(b, lambda r: seen.append(tag))


gc.set_debug(gc.DEBUG_SAVEALL)
r = pair("x")
print(gc.collect(), len(gc.garbage), len(cache), seen, r() is None)
del gc.garbage[:]
print(gc.collect(), len(gc.garbage))
gc.set_debug(0)
gc.garbage.clear()
print(gc.collect(), len(gc.garbage))
`,
    stdout: "3 2 0 ['x'] True\n2 2\n2 0\n",
    collects: [3, 2, 2],
  },
  // An exception kept after its traceback was dropped still holds its cause's traceback, which
  // keeps the frame of the call that raised and the module's frame alive. The census at the end
  // counted what those frames hold for the recorder: its trace function (`f_trace`), the frames
  // below the script's (its own) and, on 3.11 and 3.12, the dict of locals that reading
  // `f_locals` made, as well as the function the interpreter made to run the module's code.
  // Before: a frame, a function and (3.11, 3.12) a dict more in the real census than the model.
  'kept_frame.py': {
    title: 'the census of frames a kept exception holds',
    source: `import gc


class Record:
    def __init__(self, raw):
        self.raw = raw
        self.fields = raw.split(",")


def parse(raw):
    rec = Record(raw)
    try:
        return int(rec.fields[1])
    except IndexError as exc:
        raise ValueError(f"bad record {raw!r}") from exc


errors = []
for raw in ["a,1", "b", "c,3", "d"]:
    try:
        parse(raw)
    except ValueError as err:
        errors.append(err)
for e in errors:
    e.__traceback__ = None
del errors
print(gc.collect(), type(e.__cause__).__name__)
`,
    stdout: '0 IndexError\n',
    collects: [0],
  },
  // Cities that key each other's road dicts: the dicts hold ints, and instances as keys. A full
  // collection untracked them in the model (it looked at the values only), and the cycles through
  // the keys were never collected: 0 where the real run collects 12.
  'object_keys.py': {
    title: 'dicts keyed by instances, through a full collection',
    source: `import gc


class City:
    def __init__(self, name):
        self.name = name
        self.roads = {}


def build(n):
    cities = [City(f"c{i}") for i in range(n)]
    for i, c in enumerate(cities):
        for step in (1, 3):
            other = cities[(i + step) % n]
            c.roads[other] = (i * step) % 11 + 1
            other.roads.setdefault(c, (i + step) % 5 + 2)
    return cities


cities = build(6)
print("collected", gc.collect())
del cities
print("collected", gc.collect())
`,
    stdout: 'collected 0\ncollected 12\n',
    collects: [0, 12],
  },
  // On 3.13 a subclass of a class with `__slots__` keeps no values inline: its instances hold
  // their attributes in a dict from the first one on, which the collector counts. The recorder
  // saw no attributes (none is among the instance's referents), so the nodes were no cycle in the
  // model: 0 where the real run collects 6 (4 on 3.11 and 3.12, whose values stay inline).
  'slotted_base.py': {
    title: 'a subclass of a class with __slots__',
    source: `import gc


class Base:
    __slots__ = ("id",)


class Sub(Base):
    def __init__(self, i):
        self.id = i
        self.peer = None
        self.tags = []


objs = [Sub(i) for i in range(4)]
for a, b in zip(objs, objs[1:]):
    a.peer = b
    b.peer = a
del objs, a, b
print("collected", gc.collect())
`,
    stdout: { '3.11': 'collected 4\n', '3.12': 'collected 4\n', '3.13': 'collected 6\n' },
    collects: { '3.11': [4], '3.12': [4], '3.13': [6] },
  },
  // Loggers: `Logger.root` is a class attribute that a logger's `parent` also holds, which had
  // the recorder take `root` for an attribute of the logger while its `_cache` (stored by
  // logging's own code) went unnamed; and `setLevel` clears every logger's `_cache`, a dict of
  // bools that the collector does not track, so the look before a collection never saw it. The
  // census differed by the caches' bytes (real 688, model 528 or 1,008).
  'loggers.py': {
    title: "loggers' caches, which library code fills and clears",
    source: `import gc
import logging


class Job:
    def __init__(self, name):
        self.name = name
        self.log = logging.getLogger("jobs." + name)
        self.done = []

    def run(self, n):
        for i in range(n):
            self.log.info("step %d", i)
            self.done.append(i)


jobs = [Job(f"j{i}") for i in range(3)]
for job in jobs:
    job.run(2)
logging.getLogger("jobs").setLevel(logging.INFO)
print(gc.collect(), logging.getLogger("jobs.j0").isEnabledFor(logging.INFO))
`,
    stdout: '0 True\n',
    collects: [0],
  },
  // Attributes stored by name, `object.__setattr__(self, "_target", t)` and
  // `self.__dict__["_log"] = []`: no STORE_ATTR names them. On 3.11 and 3.12 the instance's
  // __dict__ (which that made) gives their names; 3.13 keeps the values inline, and the recorder
  // found neither attribute, so the proxies and their models were no cycle: 0 where the real run
  // collects 32. The str constants of a line that stores by name are now candidate names.
  'proxy_attrs.py': {
    title: 'attributes stored by name through __setattr__ and __dict__',
    source: `"""Proxies with __getattr__/__setattr__ that store through __dict__ directly."""
import gc


class Proxy:
    def __init__(self, target):
        object.__setattr__(self, "_target", target)
        self.__dict__["_log"] = []

    def __getattr__(self, name):
        self._log.append(("get", name))
        return getattr(self._target, name)

    def __setattr__(self, name, value):
        self._log.append(("set", name))
        setattr(self._target, name, value)


class Model:
    def __init__(self, name):
        self.name = name
        self.friends = []


models = [Model(f"m{i}") for i in range(8)]
proxies = [Proxy(m) for m in models]
for a, b in zip(proxies, proxies[1:]):
    a.friends.append(b)
    b.partner = a
print(len(proxies[0]._log), proxies[3].partner._target.name)
del models
print("collected", gc.collect())
del proxies, a, b
print("collected", gc.collect())
`,
    stdout: { '3.11': '1 m2\ncollected 0\ncollected 40\n', '3.12': '1 m2\ncollected 0\ncollected 40\n', '3.13': '1 m2\ncollected 0\ncollected 32\n' },
    collects: { '3.11': [0, 40], '3.12': [0, 40], '3.13': [0, 32] },
  },
  // A function's cell variables are its frame's: the trace binds the frame's name to the cell's
  // value, and the cell is held by the closures that use it. When those closures die in a
  // collection while the function runs, the real cell lives on in the frame; the recorder took it
  // for an object a finalizer had resurrected and gave it a reference from outside for good, so
  // the model kept the cell and the list it holds after the function returned (census: a cell and
  // a list more than the real run). The frame now holds such a cell until it returns.
  'frame_cells.py': {
    title: "a running function's cells whose closures a collection freed",
    source: `"""Closures that die in a collection while the function that made them runs: its frame keeps their cells."""
import gc


def make_probe(table):
    def probe(key):
        probe.calls += 1
        return key in table
    probe.calls = 0
    return probe


def main():
    table = {"a": 1}
    hits = []

    def record(key):
        hits.append(key)

    probe = make_probe(table)
    probe.on_hit = record
    if probe("a"):
        probe.on_hit("a")
    del probe, record
    print(gc.collect())
    hits.append("b")
    return hits


print(main())
print(gc.collect())
`,
    stdout: "7\n['a', 'b']\n0\n",
    collects: [7, 0],
  },
  // Lambdas and closures of every sort: default arguments, late binding, a recursive inner
  // function, closures calling each other, a lambda referring to the pipeline that holds it.
  // Besides the frame's cells above: on 3.11 one of the recorder's own cells took the address of
  // a cell the collection freed, and passed for it surviving: the model's collection found 41 of
  // 42, and the census at the end followed that cell into the recorder's own objects. Survivors
  // are now looked for in the oldest generation only, where a full collection leaves them.
  'closure_pipeline.py': {
    title: 'a pipeline of lambdas and closures, some in cycles',
    source: `"""A text-normalisation pipeline assembled from lambdas and nested closures,
including a recursive inner function and stages that refer to one another."""
import gc
import string


def make_stages(replacements):
    stages = []
    for old, new in replacements:
        # Default args pin the loop variables; a bare closure would see the last pair.
        stages.append(lambda text, old=old, new=new: text.replace(old, new))
    late = [lambda text: text.replace(old, new) for old, new in replacements]
    return stages, late


def make_flattener():
    def flatten(item, depth=0):
        # \`flatten\` refers to itself through its own closure cell -> a cycle.
        if isinstance(item, (list, tuple)):
            out = []
            for sub in item:
                out.extend(flatten(sub, depth + 1))
            return out
        return [f"{'.' * depth}{item}"]
    return flatten


def make_pipeline(*stages):
    def run(text):
        for stage in stages:
            text = stage(text)
        run.calls += 1
        return text
    run.calls = 0
    run.stages = stages
    return run


def make_counter_pair():
    counts = {"even": 0, "odd": 0}

    def is_even(n):
        counts["even"] += 1
        return True if n == 0 else is_odd(n - 1)

    def is_odd(n):
        counts["odd"] += 1
        return False if n == 0 else is_even(n - 1)
    return is_even, counts


def main():
    pairs = [("&", " and "), ("  ", " "), ("teh", "the"), ("\\t", " ")]
    stages, late = make_stages(pairs)
    sample = "teh cat\\t&  teh dog"
    print("pinned:", make_pipeline(*stages)(sample))
    print("late-bound:", make_pipeline(*late)(sample))

    strip_punct = str.maketrans("", "", string.punctuation)
    tidy = make_pipeline(str.strip, str.lower, lambda t: t.translate(strip_punct),
                         *stages)
    flatten = make_flattener()
    doc = ["Intro!", ["Teh  Setup", ["Step 1: open & read", "Step 2: parse"]],
           ("Wrap-up.", ["Notes\\tand more"])]
    for line in flatten(doc):
        depth = len(line) - len(line.lstrip("."))
        print(f"{depth} {tidy(line.lstrip('.'))}")
    print("tidy calls:", tidy.calls)

    del flatten
    # The recursive closure (function -> cell -> function) is garbage now.
    print(gc.collect())

    results = []
    for n in range(0, 40, 7):
        is_even, counts = make_counter_pair()
        results.append((n, is_even(n), counts["even"] + counts["odd"]))
    print("parity:", results)
    del is_even, counts
    # Every make_counter_pair() built two mutually-referencing closures.
    print(gc.collect())

    outer = make_pipeline(tidy, lambda t: outer.calls and t.upper() or t)
    print(outer(" First pass! "), "|", outer(" second pass "))
    del outer, tidy, stages, late
    print(gc.collect())


if __name__ == "__main__":
    main()
`,
    stdout:
      'pinned: the cat  and  the dog\nlate-bound: teh cat &  teh dog\n1 intro\n2 the setup\n3 step 1 open read\n3 step 2 parse\n2 wrapup\n3 notes and more\ntidy calls: 6\n15\nparity: [(0, True, 1), (7, False, 8), (14, True, 15), (21, False, 22), (28, True, 29), (35, False, 36)]\n42\nfirst pass | SECOND PASS\n20\n',
    collects: [15, 42, 20],
  },
  // An instance of a subclass of list, dict, set or tuple gets a __dict__ of its own at its first
  // attribute, apart from its items: the recorder saw neither the dict nor what the attributes
  // held, so paths linked to their parents (`self.parent`, `parent.children.append(self)`) were no
  // cycle in the model: 0 where the real run collects 30. The dict is now made in the model by
  // `materialize` and named `<id>.__dict__`.
  'subclasses.py': {
    title: 'instances of list, set, dict, defaultdict and tuple subclasses with attributes',
    source: `"""Containers that are also objects: a list with a parent, a set with a name, settings that keep their source."""
import gc
from collections import defaultdict


class Path(list):
    def __init__(self, parts, parent=None):
        super().__init__(parts)
        self.parent = parent
        self.children = []
        if parent is not None:
            parent.children.append(self)


class Tags(set):
    def __init__(self, name, items=()):
        super().__init__(items)
        self.name = name


class Settings(dict):
    def __init__(self, source, **values):
        super().__init__(values)
        self.source = source
        self.history = []

    def set(self, key, value):
        self.history.append((key, self.get(key)))
        self[key] = value


class Index(defaultdict):
    def __init__(self):
        super().__init__(list)
        self.hits = 0


class Point(tuple):
    def __new__(cls, x, y):
        return super().__new__(cls, (x, y))

    def __init__(self, x, y):
        self.label = f"p{x}_{y}"


root = Path(["usr"])
for name in ("bin", "lib", "share"):
    child = Path(root + [name], root)
    for leaf in ("a", "b"):
        Path(child + [leaf], child)
print(len(root.children), sum(len(c.children) for c in root.children))
tags = [Tags(f"t{i}", range(i, i + 3)) for i in range(4)]
for a, b in zip(tags, tags[1:]):
    a.add(frozenset(b))
    b.prev = a
conf = Settings("defaults", depth=3, width=8)
conf.set("depth", 4)
conf.owner = conf
idx = Index()
for word in "the cat sat on the mat the end".split():
    idx[word].append(idx.hits)
    idx.hits += 1
pts = [Point(i, i * i) for i in range(5)]
pts[0].next = pts[1]
pts[1].next = pts[0]
print(conf["depth"], conf.history, sorted(idx)[:3], pts[1].label)
del root, child
print(gc.collect())
del tags, a, b
print(gc.collect())
del conf, idx
print(gc.collect())
del pts
print(gc.collect())
`,
    stdout: "3 6\n4 [('depth', 3)] ['cat', 'end', 'mat'] p1_1\n30\n0\n3\n4\n",
    collects: [30, 0, 3, 4],
  },
  // `self.__dict__ = self` in a dict subclass: its keys are its attributes, and each instance
  // refers to itself. The recorder did not see that reference: no section was a cycle in the
  // model, 0 where the real run collects 10. It is now `materialize` with `"dict"`, the instance
  // itself.
  'attrdict.py': {
    title: 'a dict subclass that is its own __dict__',
    source: `"""Config sections as attribute dicts: \`self.__dict__ = self\`, so keys are attributes too."""
import gc


class AttrDict(dict):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__ = self


sections = []
for i in range(5):
    sec = AttrDict(name=f"s{i}", size=i)
    sec.items_ = [i] * 3
    sections.append(sec)
print(sections[2].name, sections[3]["size"], sections[4].items_)
del sec
sections.clear()
print(gc.collect())
plain = AttrDict(a=1)
plain.b = 2
print(sorted(plain))
del plain
print(gc.collect())
`,
    stdout: "s2 3 [4, 4, 4]\n10\n['a', 'b']\n1\n",
    collects: [10, 1],
  },
  // The Borg pattern, `self.__dict__ = self._shared_state`: every instance's attributes are one
  // class-level dict. On 3.11 and 3.12 the recorder took that dict for each instance's own and
  // made the model copy it: 7 collected where the real run collects 5. The instance's
  // `__dict__` field is now that dict, as `a.__dict__ = d` is in CPython.
  'borg.py': {
    title: 'instances sharing one __dict__ (the Borg pattern)',
    source: `"""Shared-state singletons (the Borg pattern): every instance's __dict__ is one class-level dict."""
import gc


class Registry:
    _shared_state = {}

    def __init__(self):
        self.__dict__ = self._shared_state
        if not hasattr(self, "entries"):
            self.entries = []

    def register(self, item):
        self.entries.append(item)
        item.registry = self


class Plugin:
    def __init__(self, name):
        self.name = name


r1 = Registry()
r2 = Registry()
for i in range(4):
    r1.register(Plugin(f"p{i}"))
for a, b in zip(r1.entries, r1.entries[1:] + r1.entries[:1]):
    a.next = b
print(len(r2.entries), r1.entries[0].registry is r2)
del r1, r2, a, b
print(gc.collect())
Registry._shared_state.clear()
print(gc.collect())
`,
    stdout: '4 False\n0\n5\n',
    collects: [0, 5],
  },
  // An OrderedDict keeps its instance's __dict__ in a slot of its own (visited after its class),
  // a list's __dict__ replaced by another dict is that new dict, and on 3.12 and 3.13 a TypeVar
  // (a C type) refers to its type before its __dict__. The recorder saw none of these dicts:
  // 0 where the real run collects 18 and 3, and two dicts short in the census on 3.12 and 3.13.
  // The own dicts that the boxes get on 3.11 and 3.12 (typing sets `__orig_class__` on them)
  // grew in the model as dicts of their own, 8 bytes more than CPython's: their size is now said
  // again when they gain keys.
  'typed_containers.py': {
    title: "an OrderedDict subclass's attributes, a replaced __dict__, TypeVars",
    source: `"""LRU caches built on OrderedDict that keep attributes, a list whose __dict__ is replaced, and generic boxes."""
import gc
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")


class LRU(OrderedDict):
    def __init__(self, maxsize):
        super().__init__()
        self.maxsize = maxsize
        self.owner = None

    def put(self, key, value):
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.maxsize:
            self.popitem(last=False)


class Bag(list):
    pass


class Box(Generic[T]):
    def __init__(self, item: T):
        self.item = item


caches = []
for i in range(3):
    cache = LRU(4)
    cache.owner = cache
    for k in range(6):
        cache.put(k, [k] * 2)
    caches.append(cache)
print(len(caches), list(caches[0]), caches[1].maxsize)
del caches, cache
print(gc.collect())
bag = Bag([1, 2])
bag.__dict__ = {"me": bag}
bag.__dict__ = {"again": bag, "items": [bag]}
print(sorted(vars(bag)))
del bag
print(gc.collect())
boxes = [Box[int](i) for i in range(3)]
print([b.item for b in boxes], T.__name__)
`,
    stdout: "3 [2, 3, 4, 5] 4\n18\n['again', 'items']\n3\n[0, 1, 2] T\n",
    collects: [18, 3],
  },
  // The state pattern by `self.__class__ = NewState`: the instance under another class name was
  // taken for a new object at the address of one that died unseen, the old one kept in the model
  // for good (and, until then, an internal error in a collection's bookkeeping stopped the
  // recording). The line that assigns `__class__` now makes the model's instance one of the new
  // class (`setclass`), once CPython has moved its values into a dict for the assignment.
  'class_swap.py': {
    title: 'instances whose __class__ is assigned (the state pattern)',
    source: `"""A support-ticket state machine that changes state by reassigning self.__class__.

Every transition is recorded in a history list whose records point back at the ticket.
"""
import gc

gc.collect()


class Transition:
    def __init__(self, ticket, old, new, note):
        self.ticket, self.old, self.new, self.note = ticket, old, new, note


class Ticket:
    def __init__(self, number, title, board):
        self.number = number
        self.title = title
        self.board = board
        self.history = []
        self.comments = []
        board.tickets.append(self)

    @property
    def state(self):
        return type(self).__name__.replace("State", "").lower()

    def _move(self, new_cls, note=""):
        if new_cls not in self.allowed:
            raise RuntimeError(f"#{self.number}: {self.state} -> {new_cls.__name__} not allowed")
        self.history.append(Transition(self, type(self), new_cls, note))
        self.__class__ = new_cls

    def comment(self, text):
        self.comments.append((self, text))  # (ticket, text) pairs, like a mailbox


class NewState(Ticket):
    def open(self):
        self._move(OpenState, "triaged")


class OpenState(Ticket):
    def resolve(self, how):
        self._move(ResolvedState, how)

    def escalate(self):
        self._move(EscalatedState, "needs senior")


class EscalatedState(OpenState):
    def resolve(self, how):
        self.comment("senior fix: " + how)
        self._move(ResolvedState, how)


class ResolvedState(Ticket):
    def reopen(self):
        self._move(OpenState, "regression")

    def close(self):
        self._move(ClosedState, "verified")


class ClosedState(Ticket):
    allowed = ()


for cls, targets in [(NewState, (OpenState,)), (OpenState, (ResolvedState, EscalatedState)),
                     (EscalatedState, (ResolvedState,)), (ResolvedState, (OpenState, ClosedState))]:
    cls.allowed = targets


class Board:
    def __init__(self, name):
        self.name = name
        self.tickets = []

    def summary(self):
        return sorted((s, sum(t.state == s for t in self.tickets)) for s in {t.state for t in self.tickets})


def work(board, n):
    for i in range(n):
        t = NewState(i + 1, f"issue {i + 1}", board)
        if i % 7 == 6:
            continue
        t.open()
        if i % 3 == 0:
            t.escalate()
        if i % 5 != 4:
            t.resolve("patched" if i % 2 else "config change")
            if i % 4 == 1:
                t.reopen()
                t.resolve("second patch")
            if i % 6 != 5:
                t.close()


board = Board("support")
work(board, 40)
print("states:", board.summary())
t = board.tickets[9]
print(f"#{t.number} is {t.state}:", [(h.old.__name__, h.new.__name__, h.note) for h in t.history])
try:
    board.tickets[0]._move(ClosedState)
except RuntimeError as exc:
    print("RuntimeError:", exc)
print("ticket 7 can resolve:", hasattr(board.tickets[6], "resolve"))
print("comments:", sum(len(x.comments) for x in board.tickets))
del t, board
print("gc after dropping board:", gc.collect())

boards = [Board(f"team{k}") for k in range(4)]
for k, b in enumerate(boards):
    work(b, 15 + k * 5)
print("team summaries:", [b.summary() for b in boards])
print("transitions:", sum(len(t.history) for b in boards for t in b.tickets))
del boards, b
print("gc after dropping teams:", gc.collect())
`,
    stdout: "states: [('closed', 23), ('escalated', 3), ('new', 5), ('open', 4), ('resolved', 5)]\n#10 is escalated: [('NewState', 'OpenState', 'triaged'), ('OpenState', 'EscalatedState', 'needs senior')]\nRuntimeError: #1: closed -> ClosedState not allowed\nticket 7 can resolve: False\ncomments: 9\ngc after dropping board: 278\nteam summaries: [[('closed', 8), ('escalated', 1), ('new', 2), ('open', 2), ('resolved', 2)], [('closed', 11), ('escalated', 1), ('new', 2), ('open', 3), ('resolved', 3)], [('closed', 13), ('escalated', 2), ('new', 3), ('open', 3), ('resolved', 4)], [('closed', 16), ('escalated', 2), ('new', 4), ('open', 4), ('resolved', 4)]]\ntransitions: 242\ngc after dropping teams: 619\n",
    collects: [0, 278, 619],
  },
  // Failed transfers keep their exception, whose traceback keeps the frames it passed through.
  // On 3.11 and 3.12 reading a frame's f_locals gives it a dict, which a frame kept that way kept
  // too: the recorded program collected 24 and 33 where the untraced one collects 17 and 29, and
  // printed those numbers (recording changed what the program prints). The recorder now takes
  // that dict from each function frame as it returns.
  'bank_sim.py': {
    title: 'exceptions kept with their tracebacks: the recorded run prints what the untraced one does',
    source: `"""A tiny bank simulation with accounts, two-sided transactions and an audit log.

Failed transfers keep the caught exception (and so its traceback) on the transaction.
"""
import gc

gc.collect()


class BankError(Exception):
    pass


class OverdraftError(BankError):
    def __init__(self, account, amount):
        super().__init__("%s cannot pay %d (balance %d)" % (account.name, amount, account.balance))
        self.account = account
        self.amount = amount


class Account:
    def __init__(self, bank, name, balance=0, limit=0):
        self.bank = bank
        self.name = name
        self.balance = balance
        self.limit = limit
        self.transactions = []

    def withdraw(self, amount):
        if self.balance - amount < -self.limit:
            raise OverdraftError(self, amount)
        self.balance -= amount

    def deposit(self, amount):
        if amount <= 0:
            raise BankError("bad deposit amount %d" % amount)
        self.balance += amount


class Transaction:
    def __init__(self, number, source, target, amount):
        self.number = number
        self.source = source
        self.target = target
        self.amount = amount
        self.error = None
        source.transactions.append(self)
        target.transactions.append(self)

    def execute(self):
        try:
            self.source.withdraw(self.amount)
            self.target.deposit(self.amount)
        except BankError as exc:
            self.error = exc
        return self.error is None


class Bank:
    def __init__(self, name):
        self.name = name
        self.accounts = {}
        self.audit = []
        self.counter = 0

    def open(self, name, balance=0, limit=0):
        self.accounts[name] = Account(self, name, balance, limit)
        self.audit.append(("open", name, balance))
        return self.accounts[name]

    def transfer(self, src, dst, amount):
        self.counter += 1
        tx = Transaction(self.counter, self.accounts[src], self.accounts[dst], amount)
        ok = tx.execute()
        self.audit.append(("transfer", tx, ok))
        return tx

    def report(self):
        for name in sorted(self.accounts):
            acc = self.accounts[name]
            failed = sum(1 for t in acc.transactions if t.error)
            print("  %-6s balance=%5d txs=%d failed=%d" % (name, acc.balance, len(acc.transactions), failed))


def run_day(bank, transfers):
    for src, dst, amount in transfers:
        tx = bank.transfer(src, dst, amount)
        status = "ok" if tx.error is None else "FAILED: %s" % tx.error
        print("  #%d %s -> %s %d %s" % (tx.number, src, dst, amount, status))


def main():
    bank = Bank("First Python Bank")
    bank.open("alice", 100)
    bank.open("bob", 50, limit=30)
    bank.open("carol", 0)
    print("day 1")
    run_day(bank, [("alice", "bob", 40), ("bob", "carol", 100), ("bob", "carol", 70),
                   ("carol", "alice", 80), ("carol", "alice", 0), ("alice", "carol", 5)])
    bank.report()
    failures = [entry[1] for entry in bank.audit if entry[0] == "transfer" and not entry[2]]
    print("failed types:", [type(t.error).__name__ for t in failures])
    del failures
    print("collected after day 1:", gc.collect())

    # Failed transactions hold exceptions whose tracebacks hold frames: drop them.
    bank.audit.clear()
    for acc in bank.accounts.values():
        acc.transactions = [t for t in acc.transactions if t.error is None]
    print("collected after pruning failed transactions:", gc.collect())

    print("day 2")
    run_day(bank, [("bob", "alice", 10), ("alice", "bob", 500), ("carol", "bob", 25)])
    bank.report()
    del bank, acc
    print("collected after closing the bank:", gc.collect())


if __name__ == "__main__":
    main()
`,
    stdout: "day 1\n  #1 alice -> bob 40 ok\n  #2 bob -> carol 100 ok\n  #3 bob -> carol 70 FAILED: bob cannot pay 70 (balance -10)\n  #4 carol -> alice 80 ok\n  #5 carol -> alice 0 FAILED: bad deposit amount 0\n  #6 alice -> carol 5 ok\n  alice  balance=  135 txs=4 failed=1\n  bob    balance=  -10 txs=3 failed=1\n  carol  balance=   25 txs=5 failed=2\nfailed types: ['OverdraftError', 'BankError']\ncollected after day 1: 0\ncollected after pruning failed transactions: 17\nday 2\n  #7 bob -> alice 10 ok\n  #8 alice -> bob 500 FAILED: alice cannot pay 500 (balance 145)\n  #9 carol -> bob 25 ok\n  alice  balance=  145 txs=5 failed=1\n  bob    balance=    5 txs=5 failed=1\n  carol  balance=    0 txs=4 failed=0\ncollected after closing the bank: 29\n",
    collects: [0, 0, 17, 29],
  },
  // `functools.cached_property` stores its value through the instance's __dict__, under a name
  // the class binds to the descriptor, which the recorder must not read where the value is not
  // there (that would run the function). On 3.13 the value stays inline and the recorder never
  // found it: 0 where the real run collects 9. The dict CPython made for the store (its pointer,
  // read from the object's memory, says whether there is one) now gives the name.
  'cached_summary.py': {
    title: 'values cached by cached_property on some instances only',
    source: `"""Reports that cache an expensive summary with cached_property; some never ask for it."""
import gc
from functools import cached_property

calls = []


class Report:
    def __init__(self, name, rows):
        self.name = name
        self.rows = rows

    @cached_property
    def summary(self):
        calls.append(self.name)
        return {"total": sum(self.rows), "report": self}


reports = [Report(f"r{i}", list(range(i, i + 5))) for i in range(6)]
for r in reports[::2]:
    print(r.name, r.summary["total"])
print(sorted(calls))
del reports, r
print(gc.collect(), sorted(calls))
`,
    stdout: {
      '3.11': "r0 10\nr2 20\nr4 30\n['r0', 'r2', 'r4']\n12 ['r0', 'r2', 'r4']\n",
      '3.12': "r0 10\nr2 20\nr4 30\n['r0', 'r2', 'r4']\n12 ['r0', 'r2', 'r4']\n",
      '3.13': "r0 10\nr2 20\nr4 30\n['r0', 'r2', 'r4']\n9 ['r0', 'r2', 'r4']\n",
    },
    collects: { '3.11': [12], '3.12': [12], '3.13': [9] },
  },
  // Two dict subclass instances, each the other's __dict__: comparing one compared its dict, the
  // other, whose dict is the first, without end (recording stopped at Python's recursion limit).
  // A dict subclass instance that is another's __dict__ is compared when a line names it.
  'mutual_dicts.py': {
    title: "two attribute dicts that are each other's __dict__",
    source: `"""Two attribute dicts that are each other's __dict__."""
import gc


class A(dict):
    pass


a = A(x=1)
b = A(y=2)
a.__dict__ = b
b.__dict__ = a
a.extra = [a]
print(sorted(a), sorted(b))
del a, b
print(gc.collect())
`,
    stdout: "['x'] ['extra', 'y']\n3\n",
    collects: [3],
  },
  // A weakref holds its callback until the referent dies by reference counting; a referent the
  // collector frees leaves it in place. Callbacks that close over the tracker kept it in a cycle
  // the model did not have (it dropped each callback at once): 0 where CPython collects 19.
  'weak_callbacks.py': {
    title: 'weakref callbacks that close over their owner',
    source: `import gc
import weakref


class Order:
    def __init__(self, n):
        self.n = n
        self.me = self


class Tracker:
    def __init__(self):
        self.refs = {}
        self.gone = []

    def track(self, order):
        n = order.n

        def gone(ref):
            self.gone.append(n)
        self.refs[n] = weakref.ref(order, gone)


gc.collect()
t = Tracker()
orders = [Order(i) for i in range(4)]
for o in orders:
    t.track(o)
orders[3].me = None
del orders, o
print(gc.collect(), sorted(t.gone))
del t
print(gc.collect())
`,
    stdout: '3 [0, 1, 2, 3]\n19\n',
    collects: [0, 3, 19],
  },
  // logging keeps a weakref to each handler, in _handlerList and in a WeakSet, whose callbacks
  // take them out when the handler dies: a collection that frees the handler frees them too and
  // counts them. The model collected 7 of 9.
  'log_handler.py': {
    title: "a logging handler in a cycle: logging's own weakrefs to it",
    source: `import gc, io, logging
class Bank:
    def __init__(self):
        self.stream = io.StringIO()
        self.log = logging.getLogger("bank.x")
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(logging.Formatter("%(message)s"))
        self.log.addHandler(self.handler)
        self.me = self
def main():
    gc.collect()
    b = Bank()
    b.log.warning("x")
    b.log.removeHandler(b.handler)
    del b
    print(gc.collect())
main()
`,
    stdout: '9\n',
    collects: [0, 9],
  },
  // On 3.12 and 3.13 a comprehension binds its variable in the enclosing function's frame; a
  // collection inside a call it makes had the caller's names compared and bound in the callee's
  // frame, and the replay stopped at "name 'n' is not bound" when the comprehension ended.
  'comp_nodes.py': {
    title: "a comprehension's calls collect: the caller's names",
    source: `import gc


class Node:
    def __init__(self, i):
        self.i = i
        self.me = self


def work(node):
    node.seen = [node.i]
    return gc.collect()


def main():
    nodes = [Node(i) for i in range(3)]
    gc.collect()
    counts = [work(n) for n in nodes]
    print(counts, [n.seen for n in nodes])
    del nodes
    return gc.collect()


print(main())
`,
    stdout: '[0, 0, 0] [[0], [1], [2]]\n6\n',
    collects: [0, 0, 0, 0, 6],
  },
  // The recorder's own imports (dis, weakref, ...) stood in sys.modules, so `import dataclasses`
  // allocated less under the recorder: on 3.13 the automatic pass that frees the import's garbage
  // did not run, and the first collection found 24 where the untraced run finds 0.
  'imports_first.py': {
    title: 'the garbage of importing dataclasses and typing',
    source: `import gc
from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass
class Point:
    x: int
    tags: list = field(default_factory=list)


class Pair(NamedTuple):
    a: Point
    b: Point


p = Pair(Point(1), Point(2))
p.a.tags.append(p)
print(gc.collect())
del p
print(gc.collect())
`,
    stdout: '0\n5\n',
    collects: [0, 5],
  },
  // An asyncio service (fixtures/recorder): a producer whose `await queue.put(...)` suspends on a
  // full queue. On 3.12 one line's changes let go of the coroutine chain that alone held an awaited
  // generator and stored that generator elsewhere: the model freed it first, and the replay
  // stopped at "object 'o980' was freed". What a removal frees in a cascade and the line stores
  // again is held until the line ends.
  'async_command_editor.py': {
    title: 'asyncio workers, a bounded queue, commands with undo',
    source: readFileSync(join(import.meta.dirname, '..', 'fixtures', 'recorder', 'async_command_editor.py'), 'utf8'),
    stdout: `worker results: [(0, 15), (1, 15), (2, 15), (3, 15)]
docs loaded lazily: 12 first: ['doc00', 'doc01', 'doc02']
doc03:  t qua bbrownbbb x aajs bverbaabbbbbbb lazyb dogaaaaaaaaaaaaaa
undo depth total: 336
collect after serving: 0
restored documents: 12 of 12
collect after closing editors: 514
proxy text lengths: [50, 50, 50, 50] sum: 600
collect at end: 0
`,
    collects: { '3.11': [5, 0, 514, 0], '3.12': [0, 0, 514, 0], '3.13': [0, 0, 514, 0] },
  },
};

const dir = mkdtempSync(join(tmpdir(), 'memprof-reach-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const [name, program] of Object.entries(PROGRAMS)) writeFileSync(join(dir, name), program.source);

for (const version of VERSIONS) {
  const { python, skipped } = corpusInterpreter(version);
  describe.skipIf(skipped !== '')(`recorded on CPython ${version}${skipped}`, () => {
    for (const [name, program] of Object.entries(PROGRAMS)) {
      it(`${program.title} (${name})`, async () => {
        const { stdout, report } = await recordAndReplay(dir, name, python!, version);
        expect(stdout).toBe(typeof program.stdout === 'string' ? program.stdout : program.stdout[version]);
        const collects = report.recorded!.collects;
        const expected = Array.isArray(program.collects) ? program.collects : program.collects[version];
        expect(collects.map((c) => c.real)).toEqual(expected);
        expect(collects.map((c) => c.model)).toEqual(expected);
        expect(report.recorded!.census!.equal).toBe(true);
      }, 120_000);
    }
  });
}
