// Drives the events of a workload through the heap and the collector and feeds the sampler.
// Every check of meaning (docs/model.md, Validation) happens here, before the event touches the heap.
import type { LoadedWorkload, SourcedEvent } from '../workload/loaded.js';
import type { PlainEvent, PythonVersion } from '../workload/schema.js';
import { DEFAULT_CLASS, parseSize } from '../workload/schema.js';
import { WorkloadError } from '../workload/errors.js';
import type { Report } from '../model/report.js';
import { versionModel } from '../cpython/versions.js';
import { EXTERNAL, Heap, HeapError } from '../heap/heap.js';
import { Frame } from '../heap/frames.js';
import { Kind } from '../heap/kind.js';
import { KINDS } from '../heap/layout.js';
import type { PyObject } from '../heap/object.js';
import { closeBuiltinName, TypeRegistry } from '../heap/registry.js';
import { Collector } from '../gc/collector.js';
import { LineSampler } from '../sampler/lines.js';
import { Timeline } from '../sampler/timeline.js';
import { buildReport } from '../analysis/report.js';
import { SiteTallies } from '../analysis/sites.js';
import { RecordedRun } from '../analysis/recorded.js';
import { Pymalloc } from '../memory/pymalloc.js';
import { takeSnapshot, type Snapshot } from '../analysis/snapshots.js';

export interface ReplayOptions {
  /** Overrides the workload's `python`. */
  python?: PythonVersion;
  /** Timeline sampling interval in clock units (ms, or events when no event has `t`); default automatic. */
  interval?: number;
  /** Most timeline points kept (min/max bucketing keeps the peak). Default 2000. */
  maxPoints?: number;
  /** Called now and then with the number of events replayed (progress display). */
  onProgress?: (events: number) => void;
  /** `live` (default): live bytes only; `pymalloc`: also CPython's arenas and pools (docs/model.md, Memory). */
  memoryModel?: 'live' | 'pymalloc';
}

export interface ReplayOutcome {
  report: Report;
  /** Workload object ids alive at the end, in allocation order (implicit `__dict__`s excluded). */
  aliveIds: string[];
  /** What looks wrong but is not an error (a type name close to a built-in one), with its location;
   * the CLI prints them (workload/format.ts). */
  warnings: WorkloadError[];
}

/** `$name` refers to a bound name rather than an object id. */
const DOLLAR = 0x24;
/** Built-in types whose objects cannot be hashed, so no set can hold one. */
const UNHASHABLE: ReadonlySet<string> = new Set(['list', 'dict', 'set', 'bytearray']);
/** No fields, no items: shared by the many events that have none. */
const NONE: readonly never[] = Object.freeze([]);

export async function replayWorkload(workload: LoadedWorkload, options: ReplayOptions = {}): Promise<ReplayOutcome> {
  const replay = new Replay(workload, options);
  for (const se of workload.events) replay.step(se);
  return replay.finish();
}

/** The state of one replay: heap, collector and observers, advanced one event at a time. */
export class Replay {
  readonly python: PythonVersion;
  readonly heap: Heap<Collector>;
  readonly gc: Collector;
  readonly types: TypeRegistry;
  private readonly lines: LineSampler;
  private readonly timeline: Timeline;
  private readonly sourceFile: string;
  private readonly sourceLines: string[];
  /** Source text of the files a recorded trace names besides `source.file`. */
  private readonly otherSources = new Map<string, string[]>();
  /** A recorded trace: what the real run observed, and what the replay makes of it. */
  private readonly recorded: RecordedRun | null;
  /** A recorded trace's `@external`: every object outside the trace that a traced one refers to. */
  private external: PyObject | null = null;
  /** Objects the cyclic collector freed, tallied by allocating line as they go. */
  private readonly gcFreed: SiteTallies;
  private readonly baseline: number;
  private current: SourcedEvent | null = null;
  private previousIterations: SourcedEvent['iterations'] = [];
  private events = 0;
  private clock = 0;
  /** Virtual time: each event inherits the previous event's `t` (0 before the first). */
  private t = 0;
  private sawTime = false;
  private passesStamped = 0;
  private readonly passLocations: { file: string; line: number | null; t: number }[] = [];
  private readonly snapshots: Snapshot[] = [];

  constructor(
    private readonly workload: LoadedWorkload,
    private readonly options: ReplayOptions,
  ) {
    const header = workload.header;
    this.python = options.python ?? header.python;
    this.sourceFile = header.source?.file ?? workload.file;
    this.sourceLines = header.source?.lines ?? [];
    for (const source of header.sources ?? []) this.otherSources.set(source.file, source.lines);
    this.recorded = header.recorded === undefined ? null : new RecordedRun(header.recorded);
    const version = versionModel(this.python);
    this.types = new TypeRegistry(version, header.types);
    this.baseline = parseSize(header.baseline);
    const gcConfig = header.gc;
    const threshold: [number, number, number] = [...version.gc.threshold];
    gcConfig?.threshold?.forEach((v, i) => (threshold[i] = v));
    this.heap = new Heap(this.baseline, this.sourceFile, this.types, (heap) =>
      new Collector(heap, {
        version,
        automatic: gcConfig?.automatic !== 'recorded',
        enabled: gcConfig?.enabled ?? true,
        threshold,
        saveall: (gcConfig?.debug ?? []).includes('saveall'),
      }),
      header.recorded !== undefined,
    );
    this.gc = this.heap.gc;
    if (options.memoryModel === 'pymalloc') this.heap.memory = new Pymalloc(undefined, version);
    this.createStartupObjects(gcConfig?.startupObjects ?? 0);
    if (header.recorded !== undefined) this.external = this.createExternal();
    this.lines = new LineSampler(this.heap, this.baseline);
    this.gcFreed = new SiteTallies(this.lineText);
    this.heap.onGcFreed = (obj, pass) => this.gcFreed.add(obj, pass);
    this.timeline = new Timeline(options.interval ?? 1, options.maxPoints ?? 2000);
    // A recorded trace's type names are the real program's, not typed by hand.
    if (header.recorded === undefined) this.types.onUndeclaredClass = (name) => this.warnTypo(name);
  }

  /** Warnings found so far (see ReplayOutcome.warnings). */
  readonly warnings: WorkloadError[] = [];

  /** An undeclared type name close to a built-in one is probably a typo: it still runs as a class of
   * the workload's own (`Lsit` makes 56-byte instances), and the user is told. */
  private warnTypo(name: string): void {
    const builtin = closeBuiltinName(name);
    if (builtin === undefined) return;
    const size = KINDS[Kind.Instance].emptySize(this.types.version);
    this.warnings.push(
      new WorkloadError(
        this.location(),
        `warning: type ${JSON.stringify(name)} is neither built in nor declared in "types", so it is a class of the workload's own (${size}-byte instances)`,
        `Did you mean ${JSON.stringify(builtin)}? A class of your own named so on purpose can be declared in "types" to silence this`,
      ),
    );
  }

  /** The source text of a line of the traced program ('' when unknown). */
  private readonly lineText = (file: string, line: number): string =>
    (file === this.sourceFile ? this.sourceLines : this.otherSources.get(file))?.[line - 1] ?? '';

  /** Long-lived objects as a full collection left them: reachable (held from outside the model),
   * in generation 2, and long_lived_total counts them. They are not workload objects. */
  private createStartupObjects(n: number): void {
    if (n === 0) return;
    const cls = this.types.resolve('<startup>');
    for (let i = 0; i < n; i++) {
      const obj = this.heap.allocate(`<startup ${i}>`, cls, 0, this.sourceFile, 0, true);
      obj.refcount = 1;
    }
    this.gc.collect(2);
    this.gc.passes.length = 0;
    this.gc.stats.forEach((s) => ((s.collections = 0), (s.collected = 0), (s.uncollectable = 0)));
    this.gc.count.fill(0);
  }

  /** `@external` stands for every object a recorded trace does not follow (modules, code, classes
   * and functions of untraced files, the interpreter's own objects): a GC object the interpreter
   * holds, frozen as the start-up `gc.freeze()` left it, outside every memory figure. */
  private createExternal(): PyObject {
    const obj = this.heap.allocate(EXTERNAL, this.types.resolve('<external>'), 0, this.sourceFile, 0, true);
    obj.refcount = 1;
    this.gc.freeze();
    return obj;
  }

  step(se: SourcedEvent): void {
    this.current = se;
    this.events++;
    const ev = se.event;
    const heap = this.heap;
    heap.event = se.index;
    const frame = heap.currentFrame;
    const lineBefore = frame.line;
    const fileBefore = frame.file;

    if (ev.op !== 'call' && ev.file !== undefined) frame.file = ev.file;
    if (ev.line !== undefined) {
      frame.line = ev.line;
      this.requireSourceLine(frame.file, ev.line);
    }
    if (ev.t !== undefined) {
      if (ev.t < this.t) this.fail(`time goes backwards: t=${ev.t} after t=${this.t}`, 'Give events non-decreasing "t" values');
      this.sawTime = true;
      this.t = ev.t;
    }
    this.clock = this.sawTime ? this.t : se.index;
    heap.file = frame.file;
    heap.line = frame.line;
    heap.clock = this.clock;

    if (frame.line !== null) {
      const force = ev.op === 'line' || this.startsIteration(se);
      // The line's execution ends: what its evaluation stack still held goes, and counts to it.
      if (frame.held.length > 0 && (force || frame.line !== lineBefore || frame.file !== fileBefore)) this.releaseHeld(frame);
      this.lines.enter(heap.frames.length - 1, frame.file, frame.functionName, frame.line, force);
    }
    this.previousIterations = se.iterations;

    try {
      this.apply(ev, frame);
      // 3.12+: the statement is over; a scheduled collection runs at the next eval-breaker check.
      this.gc.safePoint();
    } catch (e) {
      if (e instanceof HeapError) this.fail(e.reason, e.hint);
      throw e;
    }
    this.sample();
    if (this.options.onProgress !== undefined && (this.events & 0xffff) === 0) this.options.onProgress(this.events);
  }

  /** With the file's text given (`source.lines`, `sources`), a line must be one of its lines: a
   * number past the end would be a row with no content in every table. */
  private requireSourceLine(file: string, line: number): void {
    const lines = file === this.sourceFile ? this.sourceLines : this.otherSources.get(file);
    if (lines === undefined || lines.length === 0 || line <= lines.length) return;
    this.fail(
      `line ${line} is outside the source: ${file} has ${lines.length} line${lines.length === 1 ? '' : 's'}`,
      `Fix the line number, or give the file's whole text in ${file === this.sourceFile ? '"source.lines"' : '"sources"'}`,
    );
  }

  /**
   * A new iteration of a repeat starts with this event (its iteration indices changed or it entered
   * a repeat): each iteration is an execution of its line, as each pass of a `for` body is. Not
   * within a repeat marked `oneExecution` (a C loop inside one statement: `del lst[a:b]`,
   * `d.clear()`), nor in repeats nested in one.
   */
  private startsIteration(se: SourcedEvent): boolean {
    const now = se.iterations;
    const before = this.previousIterations;
    if (now.length === 0) return false;
    for (let i = 0; i < now.length; i++) {
      if (now[i]!.oneExecution === true) return false;
      if (i >= before.length || now[i]!.index !== before[i]!.index || now[i]!.var !== before[i]!.var) return true;
    }
    return false;
  }

  private sample(): void {
    const heap = this.heap;
    const passes = this.gc.passes;
    for (; this.passesStamped < passes.length; this.passesStamped++) {
      const frame = heap.currentFrame;
      this.passLocations.push({ file: frame.file, line: frame.line, t: this.clock });
      const bytes = passes[this.passesStamped]!.bytesAfter;
      this.timeline.sample(this.clock, bytes, bytes, bytes, this.rss());
    }
    this.timeline.sample(this.clock, heap.liveBytes, heap.liveBytes, heap.sampleHigh, this.rss());
    heap.sampleHigh = heap.liveBytes;
  }

  /** The memory model's RSS with the baseline, as the live bytes are; undefined without a model. */
  private rss(): number | undefined {
    const memory = this.heap.memory;
    return memory === null ? undefined : this.baseline + memory.rss;
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  private apply(ev: PlainEvent, frame: Frame): void {
    const heap = this.heap;
    switch (ev.op) {
      case 'alloc':
        return this.alloc(ev, frame);
      case 'ref': {
        const from = this.container(ev.from);
        const to = this.resolveNullable(ev.to);
        if (ev.field !== undefined) {
          this.requireFields(from, ev.field);
          heap.setField(from, ev.field, to, frame.file, frame.line ?? 0);
        } else if (ev.key !== undefined) {
          heap.setKey(this.dict(from), this.resolve(ev.key), to);
        } else if (ev.index !== undefined) {
          heap.setItem(from, this.itemIndex(from, ev.index, false), to);
        } else {
          this.requireItems(from, true);
          if (KINDS[from.kind].uniqueItems) this.requireHashable(to);
          heap.appendItem(from, to);
        }
        return;
      }
      case 'unref': {
        const from = this.container(ev.from);
        if (ev.field !== undefined) {
          this.requireFields(from, ev.field);
          if (!heap.deleteField(from, ev.field)) this.fail(`'${from.id}' has no field '${ev.field}'`, 'Unref only a field that is set');
        } else if (ev.key !== undefined) {
          const key = this.resolve(ev.key);
          if (!heap.deleteKey(this.dict(from), key)) this.fail(`'${from.id}' has no key '${key.id}'`, 'Unref only a key the dict holds');
        } else if (ev.index !== undefined) {
          const start = this.itemIndex(from, ev.index, false);
          const stop = ev.stop === undefined ? start + 1 : this.itemIndex(from, ev.stop, true);
          if (stop < start) this.fail(`"stop" ${stop} is before "index" ${start}`, 'Give a slice whose stop is not before its start');
          heap.deleteItems(from, start, stop);
        } else if (ev.to !== undefined) {
          this.requireItems(from, true);
          const to = this.resolve(ev.to);
          if (!heap.removeItem(from, to)) this.fail(`'${from.id}' holds no item that is '${to.id}'`, 'Unref only an item the container holds');
        } else {
          this.fail('"unref" needs a "field" or a "to"', 'Name the field to delete, or the item to remove');
        }
        return;
      }
      case 'bind': {
        const value = this.resolveNullable(ev.to);
        this.bind(ev.global ? heap.moduleFrame : frame, ev.name, value);
        return;
      }
      case 'unbind': {
        const target = ev.global ? heap.moduleFrame : frame;
        if (!target.names.has(ev.name)) this.failUnbound(ev.name, target);
        heap.decref(target.unbind(ev.name) ?? null);
        return;
      }
      case 'incref': {
        const obj = this.resolve(ev.id);
        obj.external++;
        heap.incref(obj);
        return;
      }
      case 'decref': {
        const obj = this.resolve(ev.id);
        if (obj.external === 0) this.fail(`'${obj.id}' holds no reference from "incref" to drop`, 'Pair every "decref" with an earlier "incref"');
        obj.external--;
        heap.decref(obj);
        return;
      }
      case 'materialize': {
        const obj = this.resolve(ev.id);
        const container = KINDS[obj.kind].storage === 'items' || obj.kind === Kind.Dict;
        if (ev.dict !== undefined) {
          const dict = this.resolve(ev.dict);
          if (obj.kind !== Kind.Instance && !(container && !this.types.isBuiltin(obj.cls.name))) {
            this.fail(`'${obj.id}' is a ${obj.cls.name}: only an instance of a class, or of a subclass of list, dict, set, frozenset or tuple, has a __dict__ to assign`, 'Name a class instance');
          }
          if (obj.kind === Kind.Instance && obj.cls.usable === Infinity) {
            this.fail(`'${obj.id}' is a ${obj.cls.name}, whose fixed slots leave no __dict__ to assign`, 'Name an instance of a class without "slots"');
          }
          if (dict.kind !== Kind.Dict) this.fail(`'${dict.id}' is a ${dict.cls.name}: __dict__ must be set to a dictionary`, 'Name a dict');
          heap.assignDict(obj, dict);
          return;
        }
        if (container && !this.types.isBuiltin(obj.cls.name)) {
          if (obj.dict === null) {
            this.requireNewId(`${obj.id}.__dict__`);
            heap.materializeContainerDict(obj, frame.file, frame.line ?? 0);
          }
        } else if (obj.kind !== Kind.Instance || obj.cls.usable === Infinity) {
          this.fail(
            `'${obj.id}' is a ${obj.cls.name}: only an instance of a class without fixed slots, or of a subclass of list, dict, set, frozenset or tuple, has a __dict__ to make`,
            'Name an instance of a class without "slots", or of a container subclass declared with "base"',
          );
        } else if (obj.dict === null) heap.materializeDict(obj, frame.file, frame.line ?? 0);
        if (ev.size !== undefined) heap.resize(obj.dict!, parseSize(ev.size));
        return;
      }
      case 'setclass': {
        const obj = this.resolve(ev.id);
        const cls = this.types.resolve(ev.type);
        if (obj.kind !== Kind.Instance) this.fail(`'${obj.id}' is a ${obj.cls.name}: only a class instance's __class__ can be assigned`, 'Name a class instance');
        if (cls.kind !== Kind.Instance || (cls.usable === Infinity) !== (obj.cls.usable === Infinity)) {
          this.fail(`__class__ assignment: '${obj.cls.name}' object layout differs from '${cls.name}'`, 'Give a class of the same layout (both with "slots" or neither)');
        }
        heap.setClass(obj, cls, ev.class === undefined ? null : this.resolve(ev.class), frame.file, frame.line ?? 0);
        return;
      }
      case 'call': {
        const callee = new Frame(ev.function, ev.file ?? frame.file, frame.line);
        // The arguments go into the callee's frame, which holds them until it returns. A value a
        // call returned to the caller's evaluation stack moves there; anything else the caller
        // holds (a new instance its `__init__` receives) stays held by the caller as well.
        if (ev.args !== undefined) {
          for (const arg of ev.args) {
            const obj = this.resolve(arg);
            let at = frame.returnedHolds > 0 ? frame.held.length - 1 : -1;
            while (at >= 0 && !(frame.held[at] === obj && frame.heldReturned[at])) at--;
            if (at >= 0) {
              frame.held.splice(at, 1);
              frame.heldReturned.splice(at, 1);
              frame.returnedHolds--;
              callee.held.push(obj);
              callee.heldReturned.push(false);
            } else {
              this.hold(callee, obj);
            }
          }
        }
        heap.frames.push(callee);
        this.gc.safePoint(); // RESUME checks the eval breaker
        return;
      }
      case 'release':
        for (const id of ev.ids) this.release(frame, this.resolve(id));
        return;
      case 'hold':
        this.hold(frame, this.resolve(ev.id));
        return;
      case 'return':
        return this.return(ev, frame);
      case 'weakref':
        return this.weakref(ev, frame);
      case 'resize': {
        const obj = this.resolve(ev.id);
        const size = ev.size !== undefined ? parseSize(ev.size) : obj.size + (ev.by ?? 0);
        if (size < 0) this.fail(`'${obj.id}' would have a negative size (${size} bytes)`, 'Shrink it by at most its size');
        heap.resize(obj, size);
        return;
      }
      case 'line':
        return;
      case 'snapshot':
        this.snapshots.push(takeSnapshot(heap, this.gc, ev.label, this.clock));
        return;
      case 'insert': {
        const list = this.list(ev.from);
        heap.insertItem(list, this.itemIndex(list, ev.index, true), this.resolveNullable(ev.to));
        return;
      }
      case 'setitems': {
        const list = this.list(ev.from);
        heap.setItems(list, this.itemList(ev.items, ev.length));
        return;
      }
      case 'clear': {
        const container = this.container(ev.from);
        if (KINDS[container.kind].storage === 'attributes' || container.kind === Kind.Tuple || container.kind === Kind.FrozenSet) {
          this.fail(`'${container.id}' is a ${container.typeName}: it has no clear()`, 'Clear a list, dict or set');
        }
        heap.clearContainer(container);
        return;
      }
      case 'gc.collect': {
        const discarding = ev.discarded === undefined ? [] : this.discardDuringCollection(ev.discarded);
        const result = this.gc.collect(ev.generation);
        for (const wr of discarding) wr.discard = null;
        if (ev.observed !== undefined) this.recorded?.collect(this.where(), ev.observed, result);
        return;
      }
      case 'gc.auto': {
        const pass = this.gc.runRecordedCollection(ev.count);
        this.recorded?.automatic(this.where(), ev.count, ev.observed ?? null, pass < 0 ? null : this.gc.passes[pass]!);
        return;
      }
      case 'gc.enable':
        this.gc.enabled = true;
        return;
      case 'gc.disable':
        this.gc.enabled = false;
        return;
      case 'gc.set_threshold': {
        // gc.set_threshold(*values) takes its arguments as a tuple of ints.
        const args = this.argumentTuple(ev.threshold.map(() => null));
        this.gc.setThreshold(ev.threshold);
        heap.decref(args);
        return;
      }
      case 'gc.set_debug':
        this.gc.saveall = ev.flags.includes('saveall');
        return;
      case 'gc.freeze':
        this.gc.freeze();
        return;
      case 'gc.unfreeze':
        this.gc.unfreeze();
        return;
      case 'gc.garbage.clear':
        heap.clearGarbage();
        return;
    }
  }

  /** Where the event being replayed is: for the comparisons of a recorded trace. */
  private where(): { event: number; file: string; line: number | null } {
    const frame = this.heap.currentFrame;
    return { event: this.heap.event, file: frame.file, line: frame.line };
  }

  private alloc(ev: Extract<PlainEvent, { op: 'alloc' }>, frame: Frame): void {
    const heap = this.heap;
    this.requireNewId(ev.id);
    if (ev.type === 'weakref') this.fail(`'${ev.id}': a weakref is created with a "weakref" event`, 'Use {"op": "weakref", "to": …}');
    if (ev.finalizer !== undefined && this.types.isBuiltin(ev.type)) {
      this.fail(`'${ev.id}' is a ${ev.type}: only class instances can have a finalizer`, 'Declare a class in "types" for objects with __del__');
    }
    const cls = this.types.resolve(ev.type, ev.finalizer);
    const names = ev.fields === undefined ? NONE : Object.keys(ev.fields);
    if (names.length > 0) {
      if (cls.kind === Kind.Atomic) this.failAtomic(ev.id, cls.name);
      if (KINDS[cls.kind].storage === 'items') {
        this.fail(`'${ev.id}' is a ${cls.name}: it takes items, not fields (field '${names[0]}')`, 'Omit "field" to append an item');
      }
      if (cls.kind === Kind.Weakref) this.fail(`'${ev.id}' is a weakref: it takes no fields`, 'Store references in a container or a class instance');
      for (let i = 0; i < names.length; i++) this.requireFieldName(cls.kind, names[i]!);
    }
    if (ev.items !== undefined && ev.items.length > 0 && KINDS[cls.kind].storage !== 'items') {
      if (cls.kind === Kind.Atomic) this.failAtomic(ev.id, cls.name);
      this.fail(`'${ev.id}' is a ${this.describe(cls.kind, cls.name)}: it takes fields, not items`, 'Give a "field" to store it as an attribute');
    }
    const values = names.length === 0 ? NONE : names.map((name) => this.resolveNullable(ev.fields![name]!));
    if (ev.length !== undefined && cls.kind !== Kind.List && cls.kind !== Kind.Tuple) {
      this.fail(`'${ev.id}' is a ${this.describe(cls.kind, cls.name)}: only a list or a tuple takes a "length"`, 'Omit "length"');
    }
    const items = this.itemList(ev.items ?? NONE, ev.length);
    if (KINDS[cls.kind].uniqueItems) for (let i = 0; i < items.length; i++) this.requireHashable(items[i] ?? null);
    if (ev.entries !== undefined && ev.entries.length > 0 && cls.kind !== Kind.Dict) {
      this.fail(`'${ev.id}' is a ${this.describe(cls.kind, cls.name)}: only a dict takes "entries"`, 'Give "fields" or "items"');
    }
    const keys = ev.entries === undefined ? NONE : ev.entries.map(([key]) => this.resolve(key));
    const keyed = ev.entries === undefined ? NONE : ev.entries.map(([, value]) => this.resolveNullable(value));
    if (ev.tracked === true && cls.kind !== Kind.Dict) this.fail(`'${ev.id}' is a ${this.describe(cls.kind, cls.name)}: only a dict takes "tracked"`, 'Omit "tracked"');
    const type = ev.class === undefined ? null : this.resolve(ev.class);
    if (type !== null && cls.kind !== Kind.Instance) this.fail(`'${ev.id}' is a ${cls.name}: only a class instance takes a "class"`, 'Omit "class"');
    const into = ev.into === undefined ? null : this.container(ev.into.obj);
    if (into !== null) {
      if (ev.into!.field !== undefined) this.requireFields(into, ev.into!.field);
      else this.requireItems(into, true);
    }

    // Items of a display ([a, b], (a, b), {'k': v}) sit on the evaluation stack while it is created.
    const stacked = cls.kind === Kind.Dict ? [...values, ...keys, ...keyed] : items;
    for (let i = 0; i < stacked.length; i++) heap.incref(stacked[i] ?? null);
    const size = ev.size !== undefined ? parseSize(ev.size) : cls.size;
    const obj = heap.allocate(ev.id, cls, size, frame.file, frame.line ?? 0, false, items.length);
    obj.refcount = 1; // the evaluation stack's reference
    if (ev.tracked === true && !obj.tracked) this.gc.track(obj);
    if (type !== null) heap.setTypeObject(obj, type);
    // A tuple cannot exist without its items (BUILD_TUPLE fills it before anything else runs);
    // a list or dict display is modelled as an empty one that then receives its items.
    // A frozenset is built by its constructor call, which returns it filled.
    const filledAtCreation = cls.kind === Kind.Tuple || cls.kind === Kind.FrozenSet;
    if (filledAtCreation) heap.initItems(obj, items); // steals the stack's references
    this.gc.safePoint(); // 3.12+: the constructor returned

    if (KINDS[cls.kind].storage === 'items') {
      if (!filledAtCreation) heap.initItems(obj, items);
    } else {
      for (let i = 0; i < names.length; i++) heap.setField(obj, names[i]!, values[i] ?? null, frame.file, frame.line ?? 0);
      for (let i = 0; i < keys.length; i++) heap.setKey(obj, keys[i]!, keyed[i] ?? null);
      if (cls.kind === Kind.Dict) for (let i = 0; i < stacked.length; i++) heap.decref(stacked[i] ?? null);
    }
    this.store(obj, ev.as, ev.global === true, ev.into, into, frame);
    if (ev.hold === true) this.hold(frame, obj);
    heap.decref(obj);
  }

  private weakref(ev: Extract<PlainEvent, { op: 'weakref' }>, frame: Frame): void {
    const heap = this.heap;
    this.requireNewId(ev.id);
    const target = this.resolve(ev.to);
    if (!KINDS[target.kind].weakrefs) {
      this.fail(`cannot create weak reference to '${target.cls.kind === Kind.Instance ? target.typeName : target.cls.name}' object`, 'Weak references can point to class instances, functions and sets');
    }
    const into = ev.into === undefined ? null : this.container(ev.into.obj);
    if (into !== null) {
      if (ev.into!.field !== undefined) this.requireFields(into, ev.into!.field);
      else this.requireItems(into, true);
    }
    // weakref.ref(target[, cb]) is a call of a type: CPython packs the arguments into a tuple
    // (a GC allocation unless the tuple freelist has one). The target is referenced twice while it
    // runs: by the evaluation stack and by the tuple. A 3.11 collection inside the weakref's
    // allocation sees the stack's reference as one from outside (the target stays where it is in
    // its generation) and the tuple's as one from inside.
    if (ev.callable !== undefined && ev.callback === undefined) this.fail('"callable" is the callback\'s object, and the weakref has no callback', 'Give a "callback", or omit "callable"');
    const callable = ev.callable === undefined ? null : this.resolve(ev.callable);
    heap.incref(target);
    const args = this.argumentTuple(ev.callback === undefined ? [target] : [target, callable]);
    const weakrefClass = ev.type === undefined ? this.types.weakref : this.types.resolve(ev.type);
    if (weakrefClass.kind !== Kind.Weakref) this.fail(`'${ev.type}' is not a weakref type`, 'Declare it in "types" with "base": "weakref"');
    const wr = heap.allocate(ev.id, weakrefClass, ev.size !== undefined ? parseSize(ev.size) : weakrefClass.size, frame.file, frame.line ?? 0);
    wr.refcount = 1;
    if (ev.discard !== undefined && ev.callback === undefined) this.fail('"discard" says what a callback does, and the weakref has none', 'Give a "callback", or omit "discard"');
    heap.attachWeakref(wr, target, ev.callback, ev.discard, callable);
    heap.decref(args);
    heap.decref(target); // CALL pops its arguments before the eval-breaker check
    this.gc.safePoint(); // 3.12+: the call returned
    this.store(wr, ev.as, ev.global === true, ev.into, into, frame);
    if (ev.hold === true) this.hold(frame, wr);
    heap.decref(wr);
  }

  /** The argument tuple of a call to a C function or a type (`_PyObject_MakeTpCall`, which copies
   * the evaluation stack's arguments with `_PyTuple_FromArray`): a reference of its own to each
   * item, beside the stack's. The caller drops it when the call is done. */
  private argumentTuple(items: (PyObject | null)[]): PyObject {
    const heap = this.heap;
    const tuple = heap.allocate('<arguments>', this.types.tuple, 0, heap.file, heap.line ?? 0, true, items.length);
    tuple.refcount = 1;
    for (let i = 0; i < items.length; i++) heap.incref(items[i] ?? null);
    heap.initItems(tuple, items);
    return tuple;
  }

  /** Binds the new object (`as`) or stores it into another (`into`); without either it is a temporary. */
  private store(obj: PyObject, as: string | undefined, global: boolean, intoSpec: { field?: string } | undefined, into: PyObject | null, frame: Frame): void {
    if (as !== undefined) {
      this.bind(global ? this.heap.moduleFrame : frame, as, obj);
    } else if (into !== null) {
      if (intoSpec!.field !== undefined) this.heap.setField(into, intoSpec!.field, obj, frame.file, frame.line ?? 0);
      else {
        if (KINDS[into.kind].uniqueItems) this.requireHashable(obj);
        this.heap.appendItem(into, obj);
      }
    }
  }

  private return(ev: Extract<PlainEvent, { op: 'return' }>, frame: Frame): void {
    const heap = this.heap;
    if (heap.frames.length === 1) this.fail('"return" without a matching "call"', 'Every "return" ends the frame a "call" opened');
    const value = ev.value === undefined ? null : this.resolveNullable(ev.value);
    heap.incref(value); // in flight: kept alive while the frame's names go
    for (const name of frame.order) {
      if (frame.names.has(name)) heap.decref(frame.unbind(name) ?? null);
    }
    this.releaseHeld(frame);
    this.lines.end(heap.frames.length - 1);
    heap.frames.pop();
    const caller = heap.currentFrame;
    if (ev.as !== undefined) this.bind(caller, ev.as, value);
    if (ev.keep === true && value !== null) this.hold(caller, value, true);
    heap.decref(value);
  }

  /** The frame's evaluation stack takes a reference until its line execution ends. */
  private hold(frame: Frame, obj: PyObject, returned = false): void {
    this.heap.incref(obj);
    frame.held.push(obj);
    frame.heldReturned.push(returned);
    if (returned) frame.returnedHolds++;
  }

  /** The evaluation stack lets go of one object it holds before the line execution ends. */
  private release(frame: Frame, obj: PyObject): void {
    const at = frame.held.lastIndexOf(obj);
    if (at < 0) this.fail(`'${obj.id}' is not held by the frame's evaluation stack`, 'Release only an object a "hold" or a "hold": true allocation of this line gave the frame');
    frame.held.splice(at, 1);
    if (frame.heldReturned.splice(at, 1)[0] === true) frame.returnedHolds--;
    this.heap.decref(obj);
  }

  /** The line execution ended: the evaluation stack lets go, last pushed first. */
  private releaseHeld(frame: Frame): void {
    const held = frame.held;
    frame.heldReturned.length = 0;
    frame.returnedHolds = 0;
    while (held.length > 0) this.heap.decref(held.pop()!);
  }

  /** `name = value`: the new reference first, then the old value is dropped. */
  private bind(frame: Frame, name: string, value: PyObject | null): void {
    this.heap.incref(value);
    const old = frame.bind(name, value);
    if (old !== undefined) this.heap.decref(old);
  }

  // ---------------------------------------------------------------------------------------------
  // References and checks

  /** An event's items, then null up to its `length`: values the trace does not follow. */
  private itemList(refs: readonly (string | null)[], length: number | undefined): readonly (PyObject | null)[] {
    if (length !== undefined && length < refs.length) {
      this.fail(`"length" ${length} is less than the ${refs.length} items given`, 'Give a length of at least the number of items, or omit it');
    }
    if (refs.length === 0 && !length) return NONE;
    const items: (PyObject | null)[] = new Array<PyObject | null>(length ?? refs.length).fill(null);
    for (let i = 0; i < refs.length; i++) items[i] = this.resolveNullable(refs[i]!);
    return items;
  }

  private resolveNullable(ref: string | null): PyObject | null {
    if (ref === null) return null;
    if (ref === EXTERNAL && this.external !== null) return this.external;
    if (ref.charCodeAt(0) === DOLLAR) {
      const name = ref.slice(1);
      const heap = this.heap;
      const frame = heap.currentFrame;
      // A bound name's value is an object or null (None); undefined means not bound here.
      const local = frame.names.get(name);
      if (local !== undefined) return local;
      const global = heap.moduleFrame.names.get(name);
      if (global === undefined) this.failUnbound(name, frame);
      return global!;
    }
    const obj = this.heap.lookup(ref);
    if (obj === undefined) this.fail(`unknown object '${ref}'`, 'Allocate it with an "alloc" event before referring to it');
    if (typeof obj === 'number') this.fail(`object '${ref}' was freed at event ${obj}`, 'Keep a reference to it (a name or a field of a live object) while the trace uses it');
    return obj as PyObject;
  }

  private resolve(ref: string): PyObject {
    const obj = this.resolveNullable(ref);
    if (obj === null) this.fail(`'${ref}' is None where an object is needed`, 'Refer to a live object');
    return obj!;
  }

  /** A collection's `discarded`: each weakref's callback, if this collection runs it, takes the
   * weakref out of its container (a program's callback, which the model does not run, did that in
   * the real collection). Returns the weakrefs, whose `discard` lasts this collection only. */
  private discardDuringCollection(pairs: readonly (readonly [string, string])[]): PyObject[] {
    const weakrefs: PyObject[] = [];
    for (const [wrRef, fromRef] of pairs) {
      const wr = this.resolve(wrRef);
      if (wr.kind !== Kind.Weakref || !wr.hasCallback) this.fail(`'${wr.id}' is not a weakref with a callback`, 'Name in "discarded" weakrefs made with a "callback"');
      if (wr.discard !== null) this.fail(`the callback of '${wr.id}' already takes it out of '${wr.discard}'`, 'Leave it out of "discarded"');
      const from = this.container(fromRef);
      if (from.kind !== Kind.Dict && from.kind !== Kind.Set) this.fail(`'${from.id}' is a ${from.typeName}: a callback takes a weakref out of a dict or a set`, 'Name the dict or set that holds the weakref');
      wr.discard = from.id;
      weakrefs.push(wr);
    }
    return weakrefs;
  }

  /** An object that can hold references. */
  private container(ref: string): PyObject {
    const obj = this.resolve(ref);
    if (obj.kind === Kind.Atomic) this.failAtomic(obj.id, obj.typeName);
    if (obj.kind === Kind.Weakref) this.fail(`'${obj.id}' is a weakref: it holds no references`, 'Store references in a container or a class instance');
    return obj;
  }

  /** A reference stored in an object that holds none (an int, a bytearray, Python's `object()`). */
  private failAtomic(id: string, typeName: string): never {
    if (typeName === 'object') {
      this.fail(
        `'${id}' is an object(): Python's bare object has no attributes and holds no references`,
        `For an instance of a class of your own give its name as "type" ("Node"), or leave "type" out (a plain class, ${DEFAULT_CLASS})`,
      );
    }
    this.fail(`'${id}' is a ${typeName}: an atomic object holds no references`, 'Store references in a container or a class instance');
  }

  private dict(obj: PyObject): PyObject {
    if (obj.kind !== Kind.Dict) this.fail(`'${obj.id}' is a ${obj.typeName}: only a dict takes object keys`, 'Give a "field" for an attribute');
    return obj;
  }

  private list(ref: string): PyObject {
    const obj = this.resolve(ref);
    if (obj.kind !== Kind.List) this.fail(`'${obj.id}' is a ${obj.typeName}, not a list`, 'Insert and replace items of a list');
    return obj;
  }

  /** A list position: an existing item's, or with `end` also the one past the last. */
  private itemIndex(list: PyObject, index: number, end: boolean): number {
    if (list.kind !== Kind.List) this.fail(`'${list.id}' is a ${list.typeName}: only a list takes an "index"`, 'Give a "field" or a "key"');
    const length = list.items!.length;
    if (index > length || (!end && index === length)) {
      this.fail(`index ${index} is out of range for '${list.id}' (${length} items)`, 'Refer to an item the list holds');
    }
    return index;
  }

  private requireFields(obj: PyObject, field: string): void {
    if (KINDS[obj.kind].storage === 'items') {
      this.fail(`'${obj.id}' is a ${obj.typeName}: it takes items, not fields (field '${field}')`, 'Omit "field" to append an item');
    }
    this.requireFieldName(obj.kind, field);
  }

  private requireFieldName(kind: Kind, field: string): void {
    if (kind !== Kind.Dict && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) {
      this.fail(`'${field}' is not an attribute name`, 'Attribute names are Python identifiers; use a dict for other keys');
    }
  }

  /** A set holds only hashable objects: not a list, dict, set or bytearray, nor a tuple holding one
   * (CPython: TypeError: unhashable type). A class deriving from one may define __hash__. */
  private requireHashable(value: PyObject | null): void {
    const stack = [value];
    while (stack.length > 0) {
      const obj = stack.pop()!;
      if (obj === null) continue;
      if (obj.kind === Kind.Tuple) {
        for (const item of obj.items!) stack.push(item);
      } else if (UNHASHABLE.has(obj.cls.name) && this.types.isBuiltin(obj.cls.name)) {
        const inside = obj === value ? '' : ` (in '${value!.id}')`;
        this.fail(`unhashable type: '${obj.cls.name}': a set cannot hold '${obj.id}'${inside}`, 'Put instances, functions, frozensets, strs, numbers and tuples of them in a set');
      }
    }
  }

  private requireItems(obj: PyObject, appending: boolean): void {
    const layout = KINDS[obj.kind];
    if (layout.mutableItems) return;
    if (layout.storage === 'items' && appending) this.fail(`'${obj.id}' is a ${obj.typeName}: its items are set only when it is created`, `Give the items in the ${obj.typeName}'s "alloc"`);
    this.fail(`'${obj.id}' is a ${this.describe(obj.kind, obj.typeName)}: it takes fields, not items`, 'Give a "field" to store it as an attribute');
  }

  private describe(kind: Kind, name: string): string {
    return kind === Kind.Instance ? `${name} instance` : name;
  }

  private requireNewId(id: string): void {
    const existing = this.heap.lookup(id);
    if (existing !== undefined) {
      const first = typeof existing === 'number' ? `an object with this id was freed at event ${existing}` : `first allocated at event ${existing.allocEvent}`;
      this.fail(`duplicate id '${id}' (${first})`, 'An id names one object for the whole trace: give the new object a new id');
    }
  }

  private failUnbound(name: string, frame: Frame): never {
    const where = frame === this.heap.moduleFrame ? 'in the module' : `in function '${frame.functionName}' or in the module`;
    this.fail(`name '${name}' is not bound ${where}`, 'Bind it first (an "as" on alloc, or a "bind" event)');
  }

  private fail(reason: string, hint: string): never {
    throw new WorkloadError(this.location(), reason, hint);
  }

  /** Where the current event is: file, event, JSON path, iterations, source line and text. */
  private location(): ConstructorParameters<typeof WorkloadError>[0] {
    const se = this.current!;
    const frame = this.heap.currentFrame;
    const line = frame.line ?? undefined;
    const location: ConstructorParameters<typeof WorkloadError>[0] = {
      file: this.workload.file,
      path: se.path,
      eventIndex: se.index,
      iterations: se.iterations,
      sourceFile: frame.file,
    };
    if (line !== undefined) {
      location.sourceLine = line;
      const text = this.lineText(frame.file, line);
      if (text !== '') location.sourceText = text.trim();
    }
    return location;
  }

  // ---------------------------------------------------------------------------------------------
  // The end of the trace: the module frame and any open frames stay alive.

  finish(): ReplayOutcome {
    const heap = this.heap;
    // The last line's execution ends with the trace: its evaluation stack lets go.
    for (const frame of heap.frames) this.releaseHeld(frame);
    this.lines.end(0);
    const aliveIds: string[] = [];
    for (const obj of heap.objects) if (obj !== null && !obj.implicit) aliveIds.push(obj.id);
    const report = buildReport({
      workload: this.workload,
      python: this.python,
      sourceFile: this.sourceFile,
      sourceLines: this.sourceLines,
      events: this.events,
      heap,
      gc: this.gc,
      lines: this.lines.results(),
      timeline: this.timeline.points(),
      passLocations: this.passLocations,
      snapshots: this.snapshots,
      gcFreed: this.gcFreed,
    });
    if (this.recorded !== null) report.recorded = this.recorded.finish(heap, this.gc.count, this.gc.stats, this.gc.hiddenAllocations);
    const memory = heap.memory;
    if (memory instanceof Pymalloc) {
      report.workload.memoryModel = 'pymalloc';
      const stats = memory.stats;
      report.memory = {
        model: 'pymalloc',
        peakRss: this.baseline + memory.peakRss,
        finalRss: this.baseline + memory.rss,
        arenasAllocatedTotal: stats.arenasAllocatedTotal,
        arenasReclaimed: stats.arenasReclaimed,
        arenasHighwater: stats.arenasHighwater,
        arenasInUse: stats.arenasAllocatedCurrent,
        malloc: {
          heapBytes: memory.libc.heapBytes,
          mmappedBytes: memory.libc.mmappedBytes,
          mmapThreshold: memory.libc.mmapThreshold,
          trims: memory.libc.trims,
          unmaps: memory.libc.unmaps,
        },
      };
    }
    return { report, aliveIds, warnings: this.warnings };
  }
}
