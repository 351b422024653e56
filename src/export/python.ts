// Workload → a runnable CPython script that performs it with real objects and prints the observables
// memprof's replay is held to (docs/model.md, "The observables"): gc.collect() results,
// gc.get_stats() deltas, gc.get_count(), the finalizer / weakref-callback log, gc.garbage, the
// workload objects alive at the end and the sizes of the sets among them.
//
// The script must not disturb the collector it observes. While the workload runs it creates no GC
// object of its own: every helper (classes, functions, the log, the id maps) exists before
// `gc.freeze()`, objects are identified by `id()` in untracked int→str dicts, the log is a frozen list
// of strs, and no statement builds a list, tuple, dict, bound method or closure that the workload did
// not ask for. Two CPython calls cannot avoid a temporary argument tuple and do what user code does:
// `weakref.ref(x[, cb])` (1 or 2 items) and `gc.set_threshold(...)` (1–3 items); both tuples come
// from and return to the tuple freelist.
//
// 3.12+ only schedule a collection when an allocation crosses threshold 0; it runs at the next
// eval-breaker check. A call (`Node()`, `weakref.ref()`) checks when it returns; `[]`, `{}`, `(a, b)`
// and `def` do not, so each is followed by `_mp_tick()` (a builtin call) before the new object gets
// its items or is stored. A tuple cannot exist without its items, so there the pass sees them.
import type { LoadedWorkload } from '../workload/loaded.js';
import type { AllocEvent, Finalizer, PlainEvent, PythonVersion, TypeDecl } from '../workload/schema.js';
import { WorkloadError } from '../workload/errors.js';
import { escapeCodePoint } from '../report/escape.js';

export interface ExportOptions {
  /** Overrides the workload's `python`: chooses the default threshold (3.13: 2000). */
  python?: PythonVersion;
  /** Longest script, in characters (default MAX_SCRIPT_CHARS); a longer one is an input problem. */
  maxScriptChars?: number;
}

type Kind = 'instance' | 'list' | 'dict' | 'tuple' | 'set' | 'frozenset' | 'function' | 'weakref' | 'atomic';

/** What the script needs to know about one workload object to name it and check it at the end. */
interface ShadowObject {
  kind: Kind;
  /** The Python expression of its type, checked at the end against address reuse. */
  pyType: string;
  /** Fields (instance, function) or keys (dict), in insertion order; values are ids or null. */
  fields: Map<string, string | null>;
  /** List and tuple items by index; set and frozenset members (no Python expression reaches them). */
  items: (string | null)[];
  /** A `bytearray` (or a declared atomic class, exported as one): no set can hold it. */
  unhashable?: boolean;
  /** The built-in container a declared class derives from ("base"): the script writes a plain class. */
  base?: string;
}

interface Frame {
  /** The generated function's name; `null` for the module frame. */
  functionName: string | null;
  body: string[];
  indent: string;
  /** Names bound now (workload name → id or null for None). */
  names: Map<string, string | null>;
  /** Every workload name ever bound in the frame (for the alive scan). */
  everBound: Set<string>;
  /** The line of the `call` event in the caller, for comments. */
  callLine: number | undefined;
  lastLine: number | undefined;
}

const PYTHON_KEYWORDS = new Set(
  ('False None True and as assert async await break class continue def del elif else except finally for ' +
    'from global if import in is lambda nonlocal not or pass raise return try while with yield').split(' '),
);

/** Python's builtins (3.11–3.13, dunders aside): a workload name must not shadow one the script calls. */
const PYTHON_BUILTINS = new Set(
  ('ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError ' +
    'BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ' +
    'ConnectionResetError DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup ' +
    'FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ImportWarning ' +
    'IndentationError IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ' +
    'ModuleNotFoundError NameError NotADirectoryError NotImplemented NotImplementedError OSError OverflowError ' +
    'PendingDeprecationWarning PermissionError ProcessLookupError PythonFinalizationError RecursionError ReferenceError ' +
    'ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError ' +
    'SystemExit TabError TimeoutError TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError ' +
    'UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning ZeroDivisionError abs aiter all anext any ascii ' +
    'bin bool breakpoint bytearray bytes callable chr classmethod compile complex copyright credits delattr dict dir ' +
    'divmod enumerate eval exec exit filter float format frozenset getattr globals hasattr hash help hex id input int ' +
    'isinstance issubclass iter len license list locals map max memoryview min next object oct open ord pow print ' +
    'property quit range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip').split(' '),
);

/** Longest script written: far beyond what CPython compiles in minutes, well within a V8 string. */
export const MAX_SCRIPT_CHARS = 256 * 2 ** 20;

/** A new atomic object of each type, its value made unique by `n` (a set tells equal values apart
 * only by identity, as the model does, when no two are equal). */
const ATOMIC_EXPR: Record<string, (n: number) => string> = {
  str: (n) => `_mp_str + '${n}'`,
  bytes: (n) => `_mp_bytes + b'${n}'`,
  int: (n) => `_mp_int + ${n}`,
  float: (n) => `_mp_float + ${n}`,
  bytearray: () => 'bytearray()',
  object: () => 'object()',
};
const ATOMIC_PYTYPE: Record<string, string> = { str: 'str', bytes: 'bytes', int: 'int', float: 'float', bytearray: 'bytearray', object: 'object' };
const BUILTIN_CONTAINERS = new Set(['list', 'dict', 'tuple', 'set', 'frozenset', 'function', 'weakref']);

/**
 * A workload name as a Python identifier of its own. Renamed (to `_mp_v_<name>`, which no other
 * name becomes): keywords; builtins (a module-level `id` or `print` would break the script's own
 * calls); names with the script's `_mp` prefix; and names starting with `__` (dunders such as
 * `__builtins__`, and private names, which a finalizer's method would mangle).
 */
export function pythonName(name: string): string {
  if (PYTHON_KEYWORDS.has(name) || PYTHON_BUILTINS.has(name) || name.startsWith('_mp') || name.startsWith('__')) return `_mp_v_${name}`;
  return name;
}

/** A class keeps the workload's type name when that is a plain identifier the script does not use. */
function className(typeName: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(typeName) && pythonName(typeName) === typeName ? typeName : '_mp_class';
}

function finalizerKey(finalizer: Finalizer | undefined): string {
  if (finalizer === undefined) return 'none';
  if (typeof finalizer === 'string') return finalizer;
  return `resurrect:${finalizer.resurrect.slice(1)}`;
}

/**
 * A workload string as a Python str literal that evaluates to it exactly, in printable ASCII only:
 * `\\`, `\"`, `\n`, `\r`, `\t`, and `\xHH` / `\uHHHH` / `\UHHHHHHHH` for everything else outside
 * 0x20–0x7E (NUL, U+2028, U+0085, lone surrogates, which Python's str holds as JavaScript's does).
 * JSON.stringify is not one: it leaves U+2028 and non-ASCII raw.
 */
export function pyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch >= ' ' && ch <= '~') out += ch;
    else out += escapeCodePoint(ch);
  }
  return `${out}"`;
}

/**
 * Workload text in a comment: printable characters (letters, marks, digits, punctuation, symbols,
 * spaces) as they are; everything else — any line break Python, an editor or a terminal knows
 * (\n, \r, \f, \v, \x1c–\x1e, \x85, U+2028/2029), other controls, bidi controls, lone
 * surrogates — spelt out as in a repr, so the comment ends where the line does.
 */
export function pyComment(s: string): string {
  return s.replace(/[^\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]/gu, escapeCodePoint);
}

function attribute(field: string): { get: (obj: string) => string; set: (obj: string, v: string) => string; del: (obj: string) => string } {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(field) && !PYTHON_KEYWORDS.has(field)) {
    return { get: (o) => `${o}.${field}`, set: (o, v) => `${o}.${field} = ${v}`, del: (o) => `del ${o}.${field}` };
  }
  // setattr/getattr/delattr are vectorcall builtins: no argument tuple.
  const f = pyString(field);
  return { get: (o) => `getattr(${o}, ${f})`, set: (o, v) => `setattr(${o}, ${f}, ${v})`, del: (o) => `delattr(${o}, ${f})` };
}

interface ClassInfo {
  pyName: string;
  typeName: string;
  finalizer: Finalizer | undefined;
}

class PythonExporter {
  private readonly objects = new Map<string, ShadowObject>();
  private readonly frames: Frame[] = [];
  private readonly held: string[] = [];
  private readonly functionDefs: string[][] = [];
  private readonly classes = new Map<string, ClassInfo>();
  private readonly functionLocals = new Map<string, Set<string>>();
  private functionCount = 0;
  private usesLegacy = false;
  private usesAddress = false;
  /** Module names a resurrecting finalizer appends to: their lists grow at times only CPython knows. */
  private readonly resurrectTargets = new Set<string>();
  /** Lists such a name was bound to: item indices there are not known statically. */
  private readonly unstableLists = new Set<string>();
  private eventIndex = 0;
  /** Atomic objects created so far: each gets a value of its own. */
  private atomicCount = 0;
  /** Frozensets created so far: each is built from an iterator the script makes before it starts. */
  private frozensetCount = 0;
  /** Characters emitted so far: a `repeat` of a billion events must end in a message, not a heap abort. */
  private scriptChars = 0;
  private fieldStored = false;

  constructor(
    private readonly loaded: LoadedWorkload,
    private readonly python: PythonVersion,
    private readonly maxScriptChars: number = MAX_SCRIPT_CHARS,
  ) {
    this.frames.push(this.newFrame(null, ''));
    for (const decl of Object.values(loaded.header.types)) this.noteFinalizer(decl.finalizer);
  }

  private noteFinalizer(finalizer: Finalizer | undefined): void {
    if (finalizer !== undefined && typeof finalizer !== 'string') {
      const name = finalizer.resurrect.slice(1);
      this.resurrectTargets.add(name);
      const id = this.module.names.get(name);
      if (id !== undefined && id !== null) this.unstableLists.add(id);
    }
  }

  /** The workload's declaration of a type, if it has one ("constructor" is a name, not Object's). */
  private declared(typeName: string): TypeDecl | undefined {
    const types = this.loaded.header.types;
    return Object.hasOwn(types, typeName) ? types[typeName] : undefined;
  }

  private newFrame(functionName: string | null, indent: string): Frame {
    return { functionName, body: [], indent, names: new Map(), everBound: new Set(), callLine: undefined, lastLine: undefined };
  }

  private get frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  private get module(): Frame {
    return this.frames[0]!;
  }

  private emit(line: string): void {
    const text = this.frame.indent + line;
    this.scriptChars += text.length + 1;
    if (this.scriptChars > this.maxScriptChars) {
      const size = this.maxScriptChars >= 2 ** 20 ? `${Math.floor(this.maxScriptChars / 2 ** 20)} MiB` : `${this.maxScriptChars} characters`;
      this.fail(`the exported script would be longer than ${size}`, 'Export a shorter trace: CPython could not compile this one in any reasonable time either');
    }
    this.frame.body.push(text);
  }

  private fail(reason: string, hint?: string): never {
    throw new WorkloadError({ file: this.loaded.file, eventIndex: this.eventIndex }, reason, hint);
  }

  // ---- references -------------------------------------------------------------------------------

  private lookupName(name: string): { frame: Frame; id: string | null } | undefined {
    if (this.frame.names.has(name)) return { frame: this.frame, id: this.frame.names.get(name)! };
    if (this.module.names.has(name)) return { frame: this.module, id: this.module.names.get(name)! };
    return undefined;
  }

  /** The expression that reads a name of `owner` from the current frame. */
  private nameExpr(name: string, owner: Frame): string {
    if (owner === this.frame) return pythonName(name);
    return `_mp_g[${pyString(pythonName(name))}]`;
  }

  private shadow(id: string): ShadowObject {
    const obj = this.objects.get(id);
    if (obj === undefined) this.fail(`unknown object '${id}'`, 'allocate it with an "alloc" event first');
    return obj;
  }

  /** Resolves a workload reference to its id and a Python expression that evaluates to it without
   * creating a GC object: a name, or a path of attributes/subscripts from a root. */
  private resolve(ref: string | null): { id: string | null; expr: string } {
    if (ref === null) return { id: null, expr: 'None' };
    if (ref.startsWith('$')) {
      const name = ref.slice(1);
      const found = this.lookupName(name);
      if (found === undefined) this.fail(`unbound name '${name}'`, 'bind it first');
      return { id: found.id, expr: this.nameExpr(name, found.frame) };
    }
    this.shadow(ref);
    return { id: ref, expr: this.pathTo(ref) };
  }

  private pathTo(target: string): string {
    // Breadth-first from the roots a Python statement can name: the frame's locals, the module's
    // names, then the C-held references. Explicit queue; never recursive.
    const seen = new Set<string>();
    const queue: { id: string; expr: string }[] = [];
    const roots: [Frame, Map<string, string | null>][] = [[this.frame, this.frame.names]];
    if (this.frame !== this.module) roots.push([this.module, this.module.names]);
    for (const [owner, names] of roots) {
      for (const [name, id] of names) {
        if (id === null || seen.has(id)) continue;
        const expr = this.nameExpr(name, owner);
        if (id === target) return expr;
        seen.add(id);
        queue.push({ id, expr });
      }
    }
    for (let i = 0; i < this.held.length; i++) {
      const id = this.held[i]!;
      if (seen.has(id)) continue;
      if (id === target) return `_mp_held[${i}]`;
      seen.add(id);
      queue.push({ id, expr: `_mp_held[${i}]` });
    }
    for (let head = 0; head < queue.length; head++) {
      const { id, expr } = queue[head]!;
      const obj = this.objects.get(id)!;
      for (const [field, child] of obj.fields) {
        if (child === null || seen.has(child)) continue;
        const childExpr = obj.kind === 'dict' ? `${expr}[${pyString(field)}]` : attribute(field).get(expr);
        if (child === target) return childExpr;
        seen.add(child);
        queue.push({ id: child, expr: childExpr });
      }
      const indexed = obj.kind === 'list' || obj.kind === 'tuple';
      for (let i = 0; indexed && i < obj.items.length && !this.unstableLists.has(id); i++) {
        const child = obj.items[i]!;
        if (child === null || seen.has(child)) continue;
        const childExpr = `${expr}[${i}]`;
        if (child === target) return childExpr;
        seen.add(child);
        queue.push({ id: child, expr: childExpr });
      }
    }
    // Held only by unreachable objects (a cycle not yet collected, gc.garbage, a resurrection):
    // Python code can only reach it by address. PyObj_FromPtr takes an argument tuple.
    this.usesAddress = true;
    return `_mp_obj(${pyString(target)})`;
  }

  // ---- storing ----------------------------------------------------------------------------------

  /** Binds `name` in the current frame (or the module with `global`) to the value of `expr`. */
  private bind(name: string, expr: string, id: string | null, global: boolean | undefined): void {
    const owner = global ? this.module : this.frame;
    const target = owner === this.frame ? pythonName(name) : `_mp_g[${pyString(pythonName(name))}]`;
    this.emit(`${target} = ${expr}`);
    owner.names.set(name, id);
    if (owner === this.module && id !== null && this.resurrectTargets.has(name)) this.unstableLists.add(id);
    owner.everBound.add(name);
  }

  private storeInto(into: { obj: string; field?: string | undefined }, expr: string, id: string | null): void {
    const target = this.resolve(into.obj);
    if (target.id === null) this.fail('cannot store into None');
    const obj = this.shadow(target.id);
    if (into.field !== undefined) this.setField(obj, target.expr, into.field, expr, id);
    else this.append(obj, target.expr, expr, id);
  }

  private setField(obj: ShadowObject, objExpr: string, field: string, expr: string, id: string | null): void {
    if (obj.kind === 'dict') this.emit(`${objExpr}[${pyString(field)}] = ${expr}`);
    else if (obj.kind === 'instance' || obj.kind === 'function') {
      this.emit(attribute(field).set(objExpr, expr));
      // Setting an attribute may materialise a __dict__ (a function's first, an instance's once its
      // class's key table is full): a GC allocation with no call after it.
      this.fieldStored = true;
    } else this.fail(`a ${obj.pyType} takes no fields`, 'use "into" without "field" (append) or a class instance');
    obj.fields.set(field, id);
  }

  private append(obj: ShadowObject, objExpr: string, expr: string, id: string | null): void {
    if (obj.kind === 'set') {
      this.requireHashable(id);
      this.emit(`${objExpr}.add(${expr})`);
      if (!obj.items.includes(id)) obj.items.push(id);
      return;
    }
    if (obj.kind !== 'list') this.fail(`cannot append to a ${obj.pyType}`, 'append only to a list, or add to a set');
    this.emit(`${objExpr}.append(${expr})`);
    obj.items.push(id);
  }

  /** A set's member must be hashable: a list, dict, set or bytearray is not, nor a tuple holding one
   * (CPython: TypeError: unhashable type). */
  private requireHashable(id: string | null): void {
    const stack = [id];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (next === null) continue;
      const obj = this.shadow(next);
      if (obj.kind === 'tuple') stack.push(...obj.items);
      else if (obj.kind === 'list' || obj.kind === 'dict' || obj.kind === 'set' || obj.unhashable === true) {
        this.fail(`unhashable type: '${obj.pyType === '_mp_function' ? 'function' : obj.pyType}': a set cannot hold '${next}'`, 'Put instances, functions, frozensets, strs, numbers and tuples of them in a set');
      }
    }
  }

  // ---- allocation -------------------------------------------------------------------------------

  private classFor(typeName: string, finalizer: Finalizer | undefined): ClassInfo {
    const key = `${typeName}\u0000${finalizerKey(finalizer)}`;
    let info = this.classes.get(key);
    if (info === undefined) {
      info = { pyName: `_mp_k${this.classes.size}`, typeName, finalizer };
      this.classes.set(key, info);
      if (finalizer === 'legacy') this.usesLegacy = true;
      this.noteFinalizer(finalizer);
    }
    return info;
  }

  private kindOf(typeName: string): Kind {
    if (typeName === 'weakref') this.fail('a weakref is created with a "weakref" event, not "alloc"');
    if (BUILTIN_CONTAINERS.has(typeName)) return typeName as Kind;
    if (Object.hasOwn(ATOMIC_EXPR, typeName)) return 'atomic';
    if (this.declared(typeName)?.tracked === false) return 'atomic';
    return 'instance';
  }

  private alloc(event: AllocEvent): void {
    if (this.objects.has(event.id)) this.fail(`duplicate id '${event.id}'`, 'ids name one object for the whole trace');
    const kind = this.kindOf(event.type);
    const fields = event.fields ?? {};
    const items = event.items ?? [];
    const itemKind = kind === 'list' || kind === 'tuple' || kind === 'set' || kind === 'frozenset';
    if (Object.keys(fields).length > 0 && (itemKind || kind === 'atomic')) {
      this.fail(`a ${event.type} takes no fields`, 'use "items"');
    }
    if (items.length > 0 && !itemKind) this.fail(`a ${event.type} takes no items`, 'use "fields"');
    // Referenced objects are resolved before the new one exists, as Python evaluates them.
    const fieldValues: [string, { id: string | null; expr: string }][] = [];
    for (const [field, ref] of Object.entries(fields)) fieldValues.push([field, this.resolve(ref)]);
    const itemValues = items.map((ref) => this.resolve(ref));
    if (kind === 'set' || kind === 'frozenset') for (const value of itemValues) this.requireHashable(value.id);

    let pyType: string;
    let create: string;
    let needsTick = false;
    switch (kind) {
      case 'instance': {
        const info = this.classFor(event.type, event.finalizer ?? this.declared(event.type)?.finalizer);
        pyType = info.pyName;
        create = `${info.pyName}()`;
        break;
      }
      case 'list':
        pyType = 'list';
        create = '[]';
        needsTick = true;
        break;
      case 'dict':
        pyType = 'dict';
        create = '{}';
        needsTick = true;
        break;
      case 'tuple':
        pyType = 'tuple';
        // `(None, None)` would be a constant of the code object: name None through a variable.
        create = `(${itemValues.map((v) => (v.id === null ? '_mp_none' : v.expr)).join(', ')}${itemValues.length === 1 ? ',' : ''})`;
        needsTick = true;
        break;
      case 'set':
        // A call: 3.12+ run a collection it scheduled when it returns, before the items are added.
        pyType = 'set';
        create = 'set()';
        break;
      case 'frozenset': {
        // frozenset(iterable) adds the items one by one (set_add_key, growing the table as `{…}`
        // and set.add do). The iterator is one the script made before the workload started, over a
        // frozen list that holds the items just for the call: no other GC object is allocated.
        pyType = 'frozenset';
        for (const value of itemValues) this.emit(`_mp_fsrc.append(${value.id === null ? '_mp_none' : value.expr})`);
        create = `frozenset(_mp_fiters[${this.frozensetCount++}])`;
        break;
      }
      case 'function':
        pyType = '_mp_function';
        create = '';
        needsTick = true;
        break;
      default:
        // A declared atomic class is modelled as a bytearray.
        pyType = Object.hasOwn(ATOMIC_PYTYPE, event.type) ? ATOMIC_PYTYPE[event.type]! : 'bytearray';
        create = Object.hasOwn(ATOMIC_EXPR, event.type) ? ATOMIC_EXPR[event.type]!(this.atomicCount++) : 'bytearray()';
    }
    const obj: ShadowObject = { kind, pyType, fields: new Map(), items: [] };
    if (pyType === 'bytearray') obj.unhashable = true;
    const base = this.declared(event.type)?.base;
    if (base !== undefined) obj.base = base;
    if (kind === 'tuple') obj.items = itemValues.map((v) => v.id);
    if (kind === 'frozenset') obj.items = [...new Set(itemValues.map((v) => v.id))];

    if (kind === 'function') this.emit(`def _mp_t(): pass`);
    else this.emit(`_mp_t = ${create}`);
    if (kind === 'frozenset' && itemValues.length > 0) this.emit('_mp_fsrc.clear()');
    if (needsTick) this.emit('_mp_tick()');
    this.emit(`_mp_ids[id(_mp_t)] = ${pyString(event.id)}`);
    this.emit(`_mp_addr[${pyString(event.id)}] = id(_mp_t)`);
    this.objects.set(event.id, obj);
    if (event.tracked === true && kind === 'dict' && fieldValues.length > 0) {
      // Tracked though it holds nothing trackable: it held a list first (MAINTAIN_TRACKING keeps
      // it tracked). An empty one cannot be had without a deleted entry, and is left untracked.
      this.emit(`_mp_t[${pyString(fieldValues[0]![0])}] = _mp_held`);
    }
    for (const [field, value] of fieldValues) this.setField(obj, '_mp_t', field, value.expr, value.id);
    if (kind === 'list' || kind === 'set') for (const value of itemValues) this.append(obj, '_mp_t', value.expr, value.id);
    this.store(event, '_mp_t', event.id);
    this.emit('del _mp_t');
  }

  private store(
    event: { as?: string | undefined; into?: { obj: string; field?: string | undefined } | undefined; global?: boolean | undefined },
    expr: string,
    id: string,
  ): void {
    if (event.as !== undefined) this.bind(event.as, expr, id, event.global);
    else if (event.into !== undefined) this.storeInto(event.into, expr, id);
  }

  private weakref(event: Extract<PlainEvent, { op: 'weakref' }>): void {
    if (this.objects.has(event.id)) this.fail(`duplicate id '${event.id}'`);
    const referent = this.resolve(event.to);
    if (referent.id === null) this.fail('cannot create weak reference to None');
    const kind = this.shadow(referent.id).kind;
    if (kind !== 'instance' && kind !== 'function' && kind !== 'set' && kind !== 'frozenset') {
      this.fail(`cannot create weak reference to '${this.shadow(referent.id).pyType}' object`);
    }
    // A subclass of weakref.ref is never shared (weakref.ref(x) without callback returns x's
    // existing basic ref) and, like a ref with a callback, is inserted at the head of x's list.
    const callback = event.callback !== undefined ? ', _mp_cb' : '';
    this.emit(`_mp_t = _mp_Ref(${referent.expr}${callback})`);
    this.emit(`_mp_ids[id(_mp_t)] = ${pyString(event.id)}`);
    this.emit(`_mp_addr[${pyString(event.id)}] = id(_mp_t)`);
    if (event.callback !== undefined) this.emit(`_mp_labels[id(_mp_t)] = ${pyString(event.callback)}`);
    this.objects.set(event.id, { kind: 'weakref', pyType: '_mp_Ref', fields: new Map(), items: [] });
    this.store(event, '_mp_t', event.id);
    this.emit('del _mp_t');
  }

  // ---- frames -----------------------------------------------------------------------------------

  private call(event: Extract<PlainEvent, { op: 'call' }>): void {
    const safe = event.function.replace(/[^A-Za-z0-9_]/g, '_');
    const name = `_mp_f${++this.functionCount}_${safe}`;
    const frame = this.newFrame(name, '    ');
    frame.callLine = event.line;
    frame.body.push(`def ${name}():  # ${pyComment(event.function)}`);
    this.frames.push(frame);
  }

  private return_(event: Extract<PlainEvent, { op: 'return' }>): void {
    if (this.frames.length === 1) this.fail('"return" without "call"', 'add the matching "call" event');
    const value = this.resolve(event.value ?? null);
    this.emit(`return ${value.expr}`);
    const callee = this.frames.pop()!;
    this.finishFunction(callee);
    if (event.as !== undefined) this.bind(event.as, `${callee.functionName}()`, value.id, false);
    else this.emit(`${callee.functionName}()`);
  }

  private finishFunction(frame: Frame): void {
    this.functionDefs.push(frame.body);
    this.functionLocals.set(frame.functionName!, frame.everBound);
  }

  // ---- events -----------------------------------------------------------------------------------

  handle(event: PlainEvent, index: number): void {
    this.handleEvent(event, index);
    // 3.12+: a collection an attribute store scheduled runs before the next event, not at the
    // next call of whatever code follows.
    if (this.fieldStored && this.python !== '3.11') this.emit('_mp_tick()');
    this.fieldStored = false;
  }

  private handleEvent(event: PlainEvent, index: number): void {
    this.eventIndex = index;
    if (event.line !== undefined && event.line !== this.frame.lastLine) {
      this.frame.lastLine = event.line;
      const text = this.loaded.header.source?.lines[event.line - 1];
      this.emit(`# line ${event.line}${text !== undefined && text.trim() !== '' ? `: ${pyComment(text.trim())}` : ''}`);
    }
    // `del lst[i]` and `del lst[i:j]` are plain Python: an unref's index and stop are exported.
    const recordedOnly = RECORDED_PROPERTIES.find((key) => key in event && !(event.op === 'unref' && (key === 'index' || key === 'stop')));
    if (recordedOnly !== undefined) this.fail(`"${recordedOnly}" cannot be exported: it describes a recorded program`, RECORDED_HINT);
    switch (event.op) {
      case 'alloc':
        return this.alloc(event);
      case 'ref': {
        const from = this.resolve(event.from);
        if (from.id === null) this.fail('cannot set a field of None');
        const to = this.resolve(event.to);
        const obj = this.shadow(from.id);
        if (event.field !== undefined) this.setField(obj, from.expr, event.field, to.expr, to.id);
        else this.append(obj, from.expr, to.expr, to.id);
        return;
      }
      case 'unref': {
        const from = this.resolve(event.from);
        if (from.id === null) this.fail('cannot unref from None');
        const obj = this.shadow(from.id);
        if (event.field !== undefined) {
          if (!obj.fields.has(event.field)) this.fail(`'${from.id}' has no field '${event.field}'`);
          if (obj.kind === 'dict') this.emit(`del ${from.expr}[${pyString(event.field)}]`);
          else this.emit(attribute(event.field).del(from.expr));
          obj.fields.delete(event.field);
        } else if (event.index !== undefined) {
          if (obj.kind !== 'list') this.fail(`a ${obj.pyType} holds no items`);
          const stop = event.stop ?? event.index + 1;
          if (event.index >= obj.items.length || stop > obj.items.length || stop < event.index) this.fail(`'${from.id}' has no items ${event.index} to ${stop - 1}`);
          this.emit(event.stop === undefined ? `del ${from.expr}[${event.index}]` : `del ${from.expr}[${event.index}:${event.stop}]`);
          obj.items.splice(event.index, stop - event.index);
        } else {
          if (event.to === undefined) this.fail('"unref" needs "field" or "to"');
          if (obj.kind === 'set') {
            const to = this.resolve(event.to);
            const at = obj.items.indexOf(to.id);
            if (at < 0) this.fail(`'${from.id}' holds no item ${event.to}`);
            this.emit(`${from.expr}.remove(${to.expr})`);
            obj.items.splice(at, 1);
            return;
          }
          if (obj.kind !== 'list') this.fail(`a ${obj.pyType} holds no items`);
          // `list.remove` compares with ==; the item is found by identity (`is`), by index.
          if (this.unstableLists.has(from.id)) {
            // Finalizers may have put it there: search at run time, by address for an id (which
            // need not be reachable any other way), allocating nothing.
            const test = event.to.startsWith('$') ? `${from.expr}[_mp_i] is not ${this.resolve(event.to).expr}` : `id(${from.expr}[_mp_i]) != _mp_addr[${pyString(event.to)}]`;
            this.emit('_mp_i = 0');
            this.emit(`while ${test}: _mp_i += 1`);
            this.emit(`del ${from.expr}[_mp_i]`);
            const at = obj.items.indexOf(event.to.startsWith('$') ? this.resolve(event.to).id : event.to);
            if (at >= 0) obj.items.splice(at, 1);
          } else {
            const to = this.resolve(event.to);
            const at = obj.items.indexOf(to.id);
            if (at < 0) this.fail(`'${from.id}' holds no item ${event.to}`);
            this.emit(`del ${from.expr}[${at}]`);
            obj.items.splice(at, 1);
          }
        }
        return;
      }
      case 'bind': {
        const to = this.resolve(event.to);
        return this.bind(event.name, to.expr, to.id, event.global);
      }
      case 'unbind': {
        const owner = event.global ? this.module : this.frame;
        if (!owner.names.has(event.name)) this.fail(`unbound name '${event.name}'`);
        this.emit(owner === this.frame ? `del ${pythonName(event.name)}` : `del _mp_g[${pyString(pythonName(event.name))}]`);
        owner.names.delete(event.name);
        return;
      }
      case 'incref': {
        const target = this.resolve(event.id);
        if (target.id === null) return this.emit('pass  # incref None');
        this.emit(`_mp_held.append(${target.expr})`);
        this.held.push(target.id);
        return;
      }
      case 'materialize': {
        const target = this.resolve(event.id);
        const base = target.id === null ? undefined : this.shadow(target.id).base;
        if (base !== undefined) {
          this.fail(`'${event.id}' is an instance of a subclass of ${base}: the script writes it as a plain class, which keeps no dict apart from its attributes`, 'Replay this workload with memprof run rather than exporting it');
        }
        if (event.dict === undefined) return this.emit(`vars(${target.expr})`);
        const dict = this.resolve(event.dict);
        if (target.id === null || dict.id === null || this.shadow(dict.id).kind !== 'dict') this.fail('__dict__ must be set to a dictionary', 'Name a dict');
        this.emit(`${target.expr}.__dict__ = ${dict.expr}`);
        // The instance's attributes are the dict's keys from now on.
        this.shadow(target.id).fields = this.shadow(dict.id).fields;
        return;
      }
      case 'setclass': {
        const target = this.resolve(event.id);
        if (target.id === null || this.shadow(target.id).kind !== 'instance') this.fail(`'${event.id}' is no class instance: only an instance's __class__ can be assigned`, 'Name a class instance');
        const info = this.classFor(event.type, this.declared(event.type)?.finalizer);
        this.emit(`${target.expr}.__class__ = ${info.pyName}`);
        this.shadow(target.id).pyType = info.pyName;
        return;
      }
      case 'decref': {
        const target = this.resolve(event.id);
        const at = this.held.indexOf(target.id ?? '');
        if (at < 0) this.fail(`decref of '${event.id}' without a matching incref`);
        this.emit(`del _mp_held[${at}]`);
        this.held.splice(at, 1);
        return;
      }
      case 'call':
        return this.call(event);
      case 'return':
        return this.return_(event);
      case 'weakref':
        return this.weakref(event);
      case 'resize':
        return this.emit(`pass  # resize ${pyComment(event.id)}`);
      case 'line':
        return this.emit('pass');
      case 'snapshot':
        return this.emit(`pass  # snapshot ${pyComment(event.label)}`);
      case 'gc.collect':
        return this.emit(`_mp_collects.append(_mp_gc.collect(${event.generation}))`);
      case 'gc.enable':
        return this.emit('_mp_gc.enable()');
      case 'gc.disable':
        return this.emit('_mp_gc.disable()');
      case 'gc.set_threshold':
        return this.emit(`_mp_gc.set_threshold(${event.threshold.join(', ')})`);
      case 'gc.set_debug':
        return this.emit(`_mp_gc.set_debug(${event.flags.includes('saveall') ? '_mp_gc.DEBUG_SAVEALL' : '0'})`);
      case 'gc.freeze':
        return this.emit('_mp_gc.freeze()');
      case 'gc.unfreeze':
        return this.emit('_mp_gc.unfreeze()');
      case 'gc.garbage.clear':
        return this.emit('_mp_gc.garbage.clear()');
      case 'clear': {
        const from = this.resolve(event.from);
        if (from.id === null) this.fail('cannot clear None');
        const obj = this.shadow(from.id);
        if (obj.kind !== 'list' && obj.kind !== 'dict') this.fail(`a ${obj.pyType} cannot be cleared here`, 'Export clears lists and dicts');
        this.emit(`${from.expr}.clear()`);
        obj.items = [];
        obj.fields.clear();
        return;
      }
      case 'insert':
      case 'setitems':
      case 'hold':
      case 'release':
      case 'gc.auto':
        return this.fail(`"${event.op}" cannot be exported: it describes a recorded program`, RECORDED_HINT);
    }
  }

  // ---- the script -------------------------------------------------------------------------------

  finish(): string {
    // Open frames stay open: the observation runs inside the innermost one, then every caller is
    // given the call that led there.
    this.emit('_mp_observe()');
    this.emit('_mp_sys.stdout.flush()');
    this.emit('_mp_os._exit(0)');
    while (this.frames.length > 1) {
      const callee = this.frames.pop()!;
      this.finishFunction(callee);
      this.emit(`${callee.functionName}()`);
    }
    const header = this.loaded.header;
    const gcConfig = header.gc;
    const threshold = [...(gcConfig?.threshold ?? [])];
    const defaults = this.python === '3.13' ? [2000, 10, 10] : [700, 10, 10];
    for (let i = threshold.length; i < 3; i++) threshold.push(defaults[i]!);
    const startup = gcConfig?.startupObjects ?? 0;

    const out: string[] = [];
    // Nothing from the workload on the first two lines: Python reads an encoding declaration there
    // (a name saying "coding: utf-7" would make the whole file decode differently).
    out.push(`# memprof export for the CPython ${this.python} model. Prints, as JSON, the observables memprof is`);
    out.push('# held to (docs/model.md, "The observables"): gc.collect() results, gc.get_stats() deltas,');
    out.push('# gc.get_count(), the finalizer/weakref-callback log, gc.garbage, the objects alive at the end');
    out.push('# and the size of each set and frozenset among them.');
    out.push(`# Workload: ${pyComment(header.name ?? this.loaded.file)}`);
    out.push('import gc as _mp_gc, json as _mp_json, os as _mp_os, sys as _mp_sys, weakref as _mp_weakref');
    out.push('_mp_gc.disable()');
    out.push(`if _mp_sys.version_info[:2] != (${this.python.replace('.', ', ')}):`);
    out.push(`    print('memprof export: written for CPython ${this.python}, running on %d.%d' % _mp_sys.version_info[:2], file=_mp_sys.stderr)`);
    if (this.usesLegacy) out.push('import _testcapi as _mp_testcapi');
    if (this.usesAddress) out.push('import _ctypes as _mp_ctypes');
    out.push('');
    out.push('# The log: flat strs appended to a frozen list (a tuple per entry would be a GC object).');
    out.push('_mp_log = []');
    out.push('_mp_collects = []');
    out.push('# id(obj) -> workload id and workload id -> address; int keys and str values keep both untracked.');
    out.push('_mp_ids = {}');
    out.push('_mp_addr = {}');
    out.push('_mp_labels = {}');
    out.push('# References "from C" (incref): a frozen list is never in a young generation, so the collector');
    out.push('# never subtracts its references and sees them as external, like a Py_INCREF.');
    out.push('_mp_held = []');
    out.push('_mp_none = None');
    out.push("_mp_str = 'memprof'");
    out.push("_mp_bytes = b'memprof'");
    out.push('_mp_int = 10 ** 9');
    out.push('_mp_float = 0.5');
    out.push('_mp_g = globals()');
    out.push('_mp_tick = _mp_gc.isenabled  # a call: 3.12+ run a scheduled collection at its end');
    if (this.frozensetCount > 0) {
      out.push('# One iterator per frozenset the workload builds, over a list that holds its items for the call.');
      out.push('_mp_fsrc = []');
      out.push(`_mp_fiters = [iter(_mp_fsrc) for _mp_i in range(${this.frozensetCount})]`);
    }
    out.push('');
    out.push('def _mp_cb(wr):');
    out.push("    _mp_log.append('weakref')");
    out.push('    _mp_log.append(_mp_ids[id(wr)])');
    out.push('    _mp_log.append(_mp_labels[id(wr)])');
    out.push('');
    if (this.usesLegacy) {
      out.push('def _mp_legacy(self):');
      out.push("    _mp_log.append('finalizer')");
      out.push('    _mp_log.append(_mp_ids[id(self)])');
      out.push('    return _mp_tick');
      out.push('');
    }
    out.push('class _mp_Ref(_mp_weakref.ref):');
    out.push('    __slots__ = ()');
    out.push('');
    out.push('def _mp_function(): pass');
    out.push('_mp_function = type(_mp_function)');
    out.push('');
    if (this.usesAddress) {
      const names = [...this.resurrectTargets].map((n) => pyString(pythonName(n)));
      out.push(`_mp_resurrect_names = (${names.join(', ')}${names.length === 1 ? ',' : ''})`);
      out.push('');
      out.push('def _mp_obj(workload_id):');
      out.push('    # No name or field the export can follow reaches it. Look by address, allocating nothing,');
      out.push('    # in the lists finalizers resurrect into and in gc.garbage (index loops: a for loop');
      out.push('    # would create an iterator); else through ctypes, which builds an argument tuple.');
      out.push('    address = _mp_addr[workload_id]');
      out.push('    k = 0');
      out.push('    while k < len(_mp_resurrect_names):');
      out.push('        lst = _mp_g.get(_mp_resurrect_names[k])');
      out.push('        k += 1');
      out.push('        if type(lst) is list:');
      out.push('            i = 0');
      out.push('            while i < len(lst):');
      out.push('                if id(lst[i]) == address:');
      out.push('                    return lst[i]');
      out.push('                i += 1');
      out.push('    i = 0');
      out.push('    while i < len(_mp_gc.garbage):');
      out.push('        if id(_mp_gc.garbage[i]) == address:');
      out.push('            return _mp_gc.garbage[i]');
      out.push('        i += 1');
      out.push('    return _mp_ctypes.PyObj_FromPtr(address)');
      out.push('');
    }
    for (const info of this.classes.values()) out.push(...this.classSource(info), '');
    for (let i = this.functionDefs.length - 1; i >= 0; i--) {
      const body = this.functionDefs[i]!;
      for (const line of body) out.push(line); // a spread of a long body would overflow the stack
      if (body.length === 1) out.push('    pass');
      out.push('');
    }
    out.push(...this.observeSource());
    out.push('');
    out.push('class _mp_Startup:');
    out.push("    __slots__ = ('next',)");
    out.push('');
    out.push(`_mp_gc.set_threshold(${threshold.join(', ')})`);
    out.push('_mp_gc.collect()');
    out.push('_mp_base = _mp_gc.get_stats()');
    // After the interpreter's own garbage is gone, or saveall would keep it in gc.garbage.
    out.push(`_mp_gc.set_debug(${gcConfig?.debug?.includes('saveall') ? '_mp_gc.DEBUG_SAVEALL' : '0'})`);
    out.push('# The interpreter and everything above leave the model: frozen. The startup objects are the');
    out.push('# long-lived heap a full collection leaves in generation 2.');
    out.push('_mp_gc.freeze()');
    out.push('_mp_startup = None');
    out.push(`for _mp_i in range(${startup}):`);
    out.push('    _mp_o = _mp_Startup()');
    out.push('    _mp_o.next = _mp_startup');
    out.push('    _mp_startup = _mp_o');
    out.push('_mp_o = None');
    out.push('if _mp_gc.collect() != 0:');
    out.push("    print('memprof export: the start-up collection found garbage', file=_mp_sys.stderr)");
    if (gcConfig?.enabled ?? true) out.push('_mp_gc.enable()');
    out.push('');
    out.push('# ---- the workload ----');
    for (const line of this.module.body) out.push(line);
    out.push('');
    return out.join('\n');
  }

  private classSource(info: ClassInfo): string[] {
    // The class keeps the workload's type name (tracebacks, reprs); the script refers to it as _mp_kN
    // so that a workload name cannot shadow it.
    const name = className(info.typeName);
    const lines = [`class ${name}:`];
    const f = info.finalizer;
    const log = ["        _mp_log.append('finalizer')", '        _mp_log.append(_mp_ids[id(self)])'];
    if (f === undefined) lines.push('    pass');
    else if (f === 'del') lines.push('    def __del__(self):', ...log);
    // _testcapi's slot_tp_del: 3.11 looks __tp_del__ up as a special method, binding a function
    // (a method object: a GC allocation that can trigger a collection mid-deallocation); through a
    // property the getter gets self and nothing is allocated. 3.12+ call the attribute with self.
    else if (f === 'legacy') lines.push(`    __tp_del__ = ${this.python === '3.11' ? 'property(_mp_legacy)' : '_mp_legacy'}`);
    else lines.push('    def __del__(self):', ...log, `        ${pythonName(f.resurrect.slice(1))}.append(self)`);
    lines.push(`${info.pyName} = ${name}`);
    // A C-level tp_del (not PEP 442's tp_finalize): CPython's own test helper installs one.
    if (f === 'legacy') lines.push(`${info.pyName} = _mp_testcapi.with_tp_del(${info.pyName})`);
    lines.push(`del ${name}`);
    return lines;
  }

  private observeSource(): string[] {
    const expected: string[] = [];
    for (const [id, obj] of this.objects) expected.push(`${pyString(id)}: ${obj.pyType}`);
    const moduleNames = [...this.module.everBound].map((n) => pyString(pythonName(n)));
    const locals: string[] = [];
    for (const [fn, names] of this.functionLocals) {
      locals.push(`${pyString(fn)}: (${[...names].map((n) => pyString(pythonName(n))).join(', ')}${names.size === 1 ? ',' : ''})`);
    }
    return [
      'def _mp_observe():',
      '    # Read the collector before allocating anything (this function has no cell variables:',
      '    # MAKE_CELL would allocate on entry). The result tuples are GC allocations that could',
      '    # trigger a collection: disable first. From here on the script may allocate.',
      '    _mp_gc.disable()',
      '    count = _mp_gc.get_count()',
      '    stats = _mp_gc.get_stats()',
      '    _mp_report(count, stats)',
      '',
      'def _mp_report(count, stats):',
      '    _mp_gc.disable()',
      '    _mp_gc.unfreeze()',
      '    tracked = _mp_gc.get_objects()',
      '    own = {id(count), id(stats), id(tracked)} | {id(s) for s in stats}',
      `    expected = {${expected.join(', ')}}`,
      `    module_names = (${moduleNames.join(', ')}${moduleNames.length === 1 ? ',' : ''})`,
      `    function_names = {${locals.join(', ')}}`,
      '    def workload_id(o):',
      '        # An address is reused after death: trust it only when the type matches, and never for',
      '        # an instance\'s or function\'s __dict__ (the dict freelist hands out dead dicts\' memory).',
      '        w = _mp_ids.get(id(o))',
      '        if w is not None and type(o) is expected.get(w) and id(o) not in own and id(o) not in implicit:',
      '            return w',
      '        return None',
      '    implicit = set()',
      '    for o in tracked:',
      '        w = _mp_ids.get(id(o))',
      "        if w is not None and type(o) is expected.get(w) and type(o) is not dict and hasattr(o, '__dict__'):",
      '            implicit.add(id(o.__dict__))',
      '    alive = {}',
      '    stack = []',
      '    def visit(o):',
      '        w = workload_id(o)',
      '        if w is not None and w not in alive:',
      '            alive[w] = o',
      '            stack.append(o)',
      '    frame = _mp_sys._getframe(1)',
      '    while frame is not None:',
      "        if frame.f_code.co_name == '<module>':",
      '            scope = frame.f_globals',
      '            names = module_names',
      '        else:',
      '            scope = frame.f_locals',
      '            names = function_names.get(frame.f_code.co_name, ())',
      '        for name in names:',
      '            if name in scope:',
      '                visit(scope[name])',
      '        frame = frame.f_back',
      '    for o in _mp_held:',
      '        visit(o)',
      '    for o in _mp_gc.garbage:',
      '        visit(o)',
      '        if id(o) in implicit:',
      '            for v in o.values():',
      '                visit(v)',
      '    for o in tracked:',
      '        visit(o)',
      '    dict_owner = {}',
      '    while stack:',
      '        o = stack.pop()',
      '        # A materialised instance __dict__ or a function __dict__ holds fields; not a function\'s globals.',
      "        own_dict = getattr(o, '__dict__', None) if type(o) not in (dict, list, tuple) else None",
      '        for c in _mp_gc.get_referents(o):',
      '            if own_dict is not None and c is own_dict:',
      "                dict_owner[id(c)] = workload_id(o) + '.__dict__'",
      '                for v in c.values():',
      '                    visit(v)',
      '            else:',
      '                visit(c)',
      '    sizes = {}',
      '    for w in sorted(alive):',
      '        if type(alive[w]) in (set, frozenset):',
      '            sizes[w] = _mp_sys.getsizeof(alive[w])',
      '    garbage = []',
      '    for o in _mp_gc.garbage:',
      '        w = workload_id(o)',
      '        if w is None:',
      "            w = dict_owner.get(id(o), '?' + type(o).__name__)",
      '        garbage.append(w)',
      '    log = []',
      '    i = 0',
      '    while i < len(_mp_log):',
      "        if _mp_log[i] == 'finalizer':",
      '            log.append(_mp_log[i:i + 2])',
      '            i += 2',
      '        else:',
      '            log.append(_mp_log[i:i + 3])',
      '            i += 3',
      "    keys = ('collections', 'collected', 'uncollectable')",
      '    deltas = [{k: stats[g][k] - _mp_base[g][k] - (1 if g == 2 and k == "collections" else 0) for k in keys} for g in range(3)]',
      '    print(_mp_json.dumps({',
      "        'collects': _mp_collects, 'stats': deltas, 'count': list(count), 'log': log,",
      "        'garbage': garbage, 'alive': sorted(alive), 'sizes': sizes,",
      '    }))',
    ];
  }
}

/** What only a recorder writes: the exporter has no Python for it. */
const RECORDED_PROPERTIES = ['entries', 'class', 'hold', 'length', 'key', 'index', 'stop', 'args', 'keep', 'discard', 'callable'] as const;
const RECORDED_HINT = 'Run that program itself; export --python writes a script for a hand-written workload';

/** The Python script for a workload (docs/model.md, "The observables"). */
export async function exportPython(loaded: LoadedWorkload, options: ExportOptions = {}): Promise<string> {
  const python = options.python ?? loaded.header.python;
  if (loaded.header.recorded !== undefined) {
    throw new WorkloadError({ file: loaded.file }, 'a recorded trace cannot be exported: it was recorded from a Python program', RECORDED_HINT);
  }
  const exporter = new PythonExporter(loaded, python, options.maxScriptChars);
  for (const sourced of loaded.events) exporter.handle(sourced.event, sourced.index);
  return exporter.finish();
}
