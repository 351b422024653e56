// `repeat` expansion: a loop in the trace becomes the events of its iterations, lazily, with `{var}`
// in every string of the body replaced by the 0-based iteration index.
//
// Each repeat body is compiled once into templates that record which strings hold a `{var}` of an
// enclosing repeat; an iteration then copies only the parts of an event that change. Nesting is
// walked with an explicit stack of frames, so a deep nest of repeats cannot overflow the call stack,
// and nothing is materialised: a repeat of 10,000,000 iterations costs one frame.
import { AllocationBudget, BUDGET_HINT, BUDGET_REASON } from './budget.js';
import { WorkloadError, type Location } from './errors.js';
import { setOwn } from './keys.js';
import type { SourcedEvent } from './loaded.js';
import { MAX_REPEAT_DEPTH, type Event, type PlainEvent, type RepeatEvent } from './schema.js';

/** An enclosing repeat's current iteration; `oneExecution` when the repeat is the work of one
 * execution of its line (its iterations start no new line execution). */
export type Iteration = { var: string; index: number; oneExecution?: true };

/** Names a top-level event by its position: `events[3]`, or `line 14` of an NDJSON file. */
export type TopLevelPath = (position: number) => string;

const NO_ITERATIONS: readonly Iteration[] = Object.freeze([]);

/**
 * An event as replay sees it. A top-level event's path is spelled only when something reads it (an
 * error message): a string per event would cost more than the rest of the event's bookkeeping.
 */
class ExpandedEvent implements SourcedEvent {
  constructor(
    readonly event: PlainEvent,
    readonly index: number,
    readonly iterations: Iteration[],
    /** The event's path, or the position of a top-level event for `pathOf` to name. */
    private readonly at: string | number,
    private readonly pathOf: TopLevelPath,
  ) {}

  get path(): string {
    return typeof this.at === 'string' ? this.at : this.pathOf(this.at);
  }
}

// ---------------------------------------------------------------------------------------------
// Templates

/** A string with `{var}`s: literals at even positions, the depth of a repeat (its frame) at odd. */
interface StringTemplate {
  kind: 'string';
  parts: (string | number)[];
}
/** An array or object some of whose members (or, for objects, keys) hold a `{var}`. */
interface ArrayTemplate {
  kind: 'array';
  members: (ValueTemplate | null)[];
}
interface ObjectTemplate {
  kind: 'object';
  keys: string[];
  keyTemplates: (StringTemplate | null)[];
  /** Some key holds a `{var}` (a dict key or attribute name built in the loop). */
  renamesKeys: boolean;
  valueTemplates: (ValueTemplate | null)[];
}
type ValueTemplate = StringTemplate | ArrayTemplate | ObjectTemplate;

interface CompiledPlain {
  repeat: false;
  event: PlainEvent;
  /** Null when no string of the event names a loop variable: every iteration shares the event. */
  template: ObjectTemplate | null;
  path: string;
}
interface CompiledRepeat {
  repeat: true;
  event: RepeatEvent;
  path: string;
}
type CompiledEvent = CompiledPlain | CompiledRepeat;

const VAR_REFERENCE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function compileString(s: string, scope: Map<string, number>): StringTemplate | null {
  if (s.indexOf('{') < 0) return null;
  let parts: (string | number)[] | null = null;
  let last = 0;
  VAR_REFERENCE.lastIndex = 0;
  for (let m = VAR_REFERENCE.exec(s); m !== null; m = VAR_REFERENCE.exec(s)) {
    const depth = scope.get(m[1]!);
    // A brace that names no enclosing loop variable is text (a dict key may well hold braces).
    if (depth === undefined) continue;
    parts ??= [];
    parts.push(s.slice(last, m.index), depth);
    last = m.index + m[0].length;
  }
  if (parts === null) return null;
  parts.push(s.slice(last));
  return { kind: 'string', parts };
}

// Recursion here follows one event's own shape (an object of strings, arrays of strings, and
// objects of strings such as `into` or `fields`), which the schema bounds to a few levels; a
// repeat's `body` is never entered.
function compileValue(value: unknown, scope: Map<string, number>): ValueTemplate | null {
  if (typeof value === 'string') return compileString(value, scope);
  if (Array.isArray(value)) {
    let members: (ValueTemplate | null)[] | null = null;
    for (let k = 0; k < value.length; k++) {
      const t = compileValue(value[k], scope);
      if (t === null) continue;
      members ??= new Array<ValueTemplate | null>(value.length).fill(null);
      members[k] = t;
    }
    return members === null ? null : { kind: 'array', members };
  }
  if (value !== null && typeof value === 'object') return compileObject(value as Record<string, unknown>, scope);
  return null;
}

function compileObject(obj: Record<string, unknown>, scope: Map<string, number>): ObjectTemplate | null {
  const keys = Object.keys(obj);
  let keyTemplates: (StringTemplate | null)[] | null = null;
  let valueTemplates: (ValueTemplate | null)[] | null = null;
  for (let k = 0; k < keys.length; k++) {
    const keyTemplate = compileString(keys[k]!, scope);
    const valueTemplate = compileValue(obj[keys[k]!], scope);
    if (keyTemplate === null && valueTemplate === null) continue;
    keyTemplates ??= new Array<StringTemplate | null>(keys.length).fill(null);
    valueTemplates ??= new Array<ValueTemplate | null>(keys.length).fill(null);
    keyTemplates[k] = keyTemplate;
    valueTemplates[k] = valueTemplate;
  }
  if (keyTemplates === null || valueTemplates === null) return null;
  return { kind: 'object', keys, keyTemplates, renamesKeys: keyTemplates.some((k) => k !== null), valueTemplates };
}

function fillString(t: StringTemplate, indices: number[]): string {
  const parts = t.parts;
  let s = parts[0] as string;
  for (let k = 1; k < parts.length; k += 2) s += String(indices[parts[k] as number]) + (parts[k + 1] as string);
  return s;
}

function fillValue(t: ValueTemplate, value: unknown, indices: number[]): unknown {
  if (t.kind === 'string') return fillString(t, indices);
  if (t.kind === 'array') {
    const out = (value as unknown[]).slice();
    for (let k = 0; k < t.members.length; k++) {
      const m = t.members[k];
      if (m) out[k] = fillValue(m, out[k], indices);
    }
    return out;
  }
  return fillObject(t, value as Record<string, unknown>, indices);
}

/** An empty object like `obj`: a `fields` record keeps its null prototype (keys.ts). */
function emptyLike(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.getPrototypeOf(obj) === null ? (Object.create(null) as Record<string, unknown>) : {};
}

function fillObject(t: ObjectTemplate, obj: Record<string, unknown>, indices: number[]): Record<string, unknown> {
  if (!t.renamesKeys) {
    // Same keys: a clone keeps the event's shape, and only the values that change are written.
    // (`setOwn`: a dict key may be `__proto__`, which a plain assignment would not store.)
    const out = Object.getPrototypeOf(obj) === null ? Object.assign(emptyLike(obj), obj) : { ...obj };
    for (let k = 0; k < t.keys.length; k++) {
      const valueTemplate = t.valueTemplates[k];
      if (valueTemplate) setOwn(out, t.keys[k]!, fillValue(valueTemplate, obj[t.keys[k]!], indices));
    }
    return out;
  }
  const out = emptyLike(obj);
  for (let k = 0; k < t.keys.length; k++) {
    const key = t.keys[k]!;
    const keyTemplate = t.keyTemplates[k];
    const valueTemplate = t.valueTemplates[k];
    setOwn(out, keyTemplate ? fillString(keyTemplate, indices) : key, valueTemplate ? fillValue(valueTemplate, obj[key], indices) : obj[key]);
  }
  return out;
}

function childPath(parent: string, k: number, parentIsNested: boolean): string {
  // `events[2].body[1]`; under an NDJSON line, `line 14 body[1]`; within a line, `body[1]`.
  // A nested parent always ends with `]`: not looking at it keeps deep paths cheap ropes.
  if (parentIsNested) return `${parent}.body[${k}]`;
  if (parent === '') return `body[${k}]`;
  return parent.endsWith(']') ? `${parent}.body[${k}]` : `${parent} body[${k}]`;
}

function compileEvent(event: Event, path: string, scope: Map<string, number>): CompiledEvent {
  if (event.op === 'repeat') return { repeat: true, event, path };
  return { repeat: false, event, template: compileObject(event as Record<string, unknown>, scope), path };
}

// ---------------------------------------------------------------------------------------------
// Nesting errors

function varReusedError(file: string, path: string, name: string, outerPath: string, extra: Partial<Location>): WorkloadError {
  return new WorkloadError(
    { file, ...extra, path: path === '' ? 'var' : `${path}.var` },
    outerPath === ''
      ? `repeat variable '${name}' is already the variable of an enclosing repeat`
      : `repeat variable '${name}' is already the variable of the enclosing repeat at ${outerPath}`,
    'Give nested repeats distinct "var" names',
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A problem when repeats nest more than MAX_REPEAT_DEPTH deep in `event` (a parsed JSON value, not
 * yet validated), found with an explicit stack: zod's schema of a repeat recurses once per level and
 * would overflow the call stack on a deep enough nest, so this runs before zod sees the event. The
 * problem names the event's own path (`''` for the root of an NDJSON line, whose errors carry
 * `position`): a path down a nest that deep would be hundreds of characters of `.body[0]`.
 */
export function checkRepeatDepth(event: unknown, path: string, file = '<inline>', position?: string): WorkloadError | undefined {
  const pending: { event: unknown; depth: number }[] = [{ event, depth: 1 }];
  while (pending.length > 0) {
    const { event: e, depth } = pending.pop()!;
    if (!isObject(e) || e.op !== 'repeat' || !Array.isArray(e.body)) continue;
    if (depth > MAX_REPEAT_DEPTH) {
      return new WorkloadError(
        { file, ...(position === undefined ? {} : { position }), ...(path === '' ? {} : { path }) },
        `repeats nest more than ${MAX_REPEAT_DEPTH} deep in this event: at most ${MAX_REPEAT_DEPTH} repeats may nest inside one another`,
        'Merge or unroll the inner loops',
      );
    }
    for (const child of e.body) pending.push({ event: child, depth: depth + 1 });
  }
  return undefined;
}

/** `.id`, `.fields.next`, `.fields["a b"]`, `.items[2]`: a member's path after its event's. */
function memberPath(eventPath: string, ...keys: (string | number)[]): string {
  let s = eventPath;
  for (const key of keys) {
    if (typeof key === 'number') s += `[${key}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) s += `.${key}`;
    else s += `[${JSON.stringify(key)}]`;
  }
  return s;
}

/** The ids and object references of an event, with their keys: the strings where `{name}` must name
 * a loop variable. Dict keys, field names, labels and function names are not among them. */
function referenceStrings(event: PlainEvent): [(string | number)[], string][] {
  const out: [(string | number)[], string][] = [];
  const add = (keys: (string | number)[], value: unknown): void => {
    if (typeof value === 'string') out.push([keys, value]);
  };
  switch (event.op) {
    case 'alloc':
      add(['id'], event.id);
      if (event.fields) for (const key of Object.keys(event.fields)) add(['fields', key], event.fields[key]);
      event.items?.forEach((item, k) => add(['items', k], item));
      add(['into', 'obj'], event.into?.obj);
      break;
    case 'weakref':
      add(['id'], event.id);
      add(['to'], event.to);
      add(['callable'], event.callable);
      add(['into', 'obj'], event.into?.obj);
      break;
    case 'ref':
    case 'unref':
      add(['from'], event.from);
      add(['to'], event.to);
      break;
    case 'bind':
      add(['to'], event.to);
      break;
    case 'incref':
    case 'decref':
    case 'resize':
      add(['id'], event.id);
      break;
    case 'materialize':
      add(['id'], event.id);
      add(['dict'], event.dict);
      break;
    case 'setclass':
      add(['id'], event.id);
      add(['class'], event.class);
      break;
    case 'return':
      add(['value'], event.value);
      break;
    case 'release':
      event.ids.forEach((id, k) => add(['ids', k], id));
      break;
    default:
      break;
  }
  return out;
}

function unknownPlaceholderError(
  file: string,
  eventPath: string,
  keys: (string | number)[],
  text: string,
  name: string,
  scope: readonly string[],
  extra: Partial<Location>,
): WorkloadError {
  const what = keys[0] === 'id' ? 'id' : 'reference';
  return new WorkloadError(
    { file, ...extra, path: memberPath(eventPath, ...keys) },
    `{${name}} in ${what} ${JSON.stringify(text)}: '${name}' is not the variable of any enclosing repeat`,
    `In ids and references {name} stands for an enclosing repeat's iteration index; here that is ${scope.map((v) => `{${v}}`).join(', ')}`,
  );
}

/**
 * The problems of the repeats in `event`, found without expanding anything: a nested repeat that
 * reuses the variable of an enclosing one, and an id or reference whose `{name}` names no enclosing
 * loop variable (elsewhere — dict keys, labels — such braces are text). `path` is the event's own
 * path (`events[3]`; `''` for the root of an NDJSON line, whose errors then carry `position`).
 */
export function checkRepeatVariables(event: Event, path: string, file = '<inline>', position?: string): WorkloadError[] {
  const problems: WorkloadError[] = [];
  if (event.op !== 'repeat') return problems;
  const extra: Partial<Location> = position === undefined ? {} : { position };
  // Depth-first over repeats only; `scopeVars`/`scopePaths` hold the chain of repeats above the
  // one being entered.
  const pending: { event: RepeatEvent; path: string; depth: number }[] = [{ event, path, depth: 0 }];
  const scopeVars: string[] = [];
  const scopePaths: string[] = [];
  /** Variable -> depth of the outermost repeat in the chain that uses it. */
  const scopeDepth = new Map<string, number>();
  while (pending.length > 0) {
    const { event: repeat, path: repeatPath, depth } = pending.pop()!;
    while (scopeVars.length > depth) {
      const v = scopeVars.pop()!;
      scopePaths.pop();
      if (scopeDepth.get(v) === scopeVars.length) scopeDepth.delete(v);
    }
    const outer = scopeDepth.get(repeat.var);
    if (outer !== undefined) problems.push(varReusedError(file, repeatPath, repeat.var, scopePaths[outer]!, extra));
    else scopeDepth.set(repeat.var, depth);
    scopeVars.push(repeat.var);
    scopePaths.push(repeatPath);
    const nested: { event: RepeatEvent; path: string; depth: number }[] = [];
    for (let k = 0; k < repeat.body.length; k++) {
      const e = repeat.body[k]!;
      const eventPath = childPath(repeatPath, k, depth > 0);
      if (e.op === 'repeat') {
        nested.push({ event: e, path: eventPath, depth: depth + 1 });
        continue;
      }
      for (const [keys, text] of referenceStrings(e)) {
        if (text.indexOf('{') < 0) continue;
        VAR_REFERENCE.lastIndex = 0;
        for (let m = VAR_REFERENCE.exec(text); m !== null; m = VAR_REFERENCE.exec(text)) {
          if (scopeDepth.has(m[1]!)) continue;
          problems.push(unknownPlaceholderError(file, eventPath, keys, text, m[1]!, [...scopeDepth.keys()], extra));
          break;
        }
      }
    }
    for (let k = nested.length - 1; k >= 0; k--) pending.push(nested[k]!);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Expansion

interface Frame {
  repeat: RepeatEvent;
  path: string;
  body: CompiledEvent[];
  count: number;
  /** Current iteration, 0-based. */
  iteration: number;
  /** Next body event to run in this iteration. */
  position: number;
  /** Iterations of this repeat and those above it, shared by every event of the iteration; null
   * until an event of this iteration needs them. */
  iterations: readonly Iteration[] | null;
}

/**
 * Expands top-level events one at a time and numbers them. One expander serves a whole workload:
 * compiled repeat bodies are cached per repeat event, so a nested repeat is compiled once however
 * often its outer loop runs.
 */
export class Expander {
  /** Index of the next event after expansion. */
  private index = 0;
  private readonly compiled = new WeakMap<RepeatEvent, CompiledEvent[]>();
  /** Loop variable -> depth of its frame, for the frames currently open. */
  private readonly scope = new Map<string, number>();
  private readonly frames: Frame[] = [];
  /** Current iteration index per frame depth (what `{var}` becomes). */
  private readonly indices: number[] = [];

  constructor(
    private readonly file: string,
    private readonly pathOf: TopLevelPath,
    /** Holds the bytes the expanded events allocate to 2^53−1 (budget.ts); none in unit tests. */
    private readonly budget?: AllocationBudget,
  ) {}

  /** The top-level event at `position` itself when it is not a repeat; otherwise enters it (see
   * `next`) and returns null. */
  start(event: Event, position: number): SourcedEvent | null {
    if (event.op !== 'repeat') {
      return this.charged(new ExpandedEvent(event, this.index++, NO_ITERATIONS as Iteration[], position, this.pathOf));
    }
    this.enter(event, this.pathOf(position));
    return null;
  }

  /** `e`, once the budget has room for what it allocates. */
  private charged(e: ExpandedEvent): ExpandedEvent {
    if (this.budget === undefined || this.budget.charge(e.event)) return e;
    const location: Location = { file: this.file, eventIndex: e.index, path: e.path, iterations: e.iterations.slice() };
    // The line the event states; one it inherits is known only to replay.
    if (e.event.line !== undefined) location.sourceLine = e.event.line;
    throw new WorkloadError(location, BUDGET_REASON, BUDGET_HINT);
  }

  /** The next event of the repeat being expanded, or null when it is done. */
  next(): SourcedEvent | null {
    const frames = this.frames;
    while (frames.length > 0) {
      const depth = frames.length - 1;
      const frame = frames[depth]!;
      if (frame.position === frame.body.length) {
        frame.iteration++;
        if (frame.iteration === frame.count) {
          this.leave();
          continue;
        }
        frame.position = 0;
        frame.iterations = null;
        this.indices[depth] = frame.iteration;
        continue;
      }
      const c = frame.body[frame.position++]!;
      if (c.repeat) {
        this.enter(c.event, c.path);
        continue;
      }
      const e = c.template === null ? c.event : (fillObject(c.template, c.event as Record<string, unknown>, this.indices) as PlainEvent);
      const iterations = frame.iterations ?? this.iterationsAt(depth);
      return this.charged(new ExpandedEvent(e, this.index++, iterations as Iteration[], c.path, this.pathOf));
    }
    return null;
  }

  /**
   * The iterations of the frames up to `depth`, built when an event of that frame is emitted and
   * kept for the rest of its iteration. Frames in between are not given theirs: in a deep nest of
   * repeats that would cost the square of the depth.
   */
  private iterationsAt(depth: number): readonly Iteration[] {
    if (depth < 0) return NO_ITERATIONS;
    let known = depth;
    while (known >= 0 && this.frames[known]!.iterations === null) known--;
    if (known === depth) return this.frames[depth]!.iterations!;
    const iterations = known < 0 ? [] : this.frames[known]!.iterations!.slice();
    for (let d = known + 1; d <= depth; d++) {
      const frame = this.frames[d]!;
      iterations.push(frame.repeat.oneExecution === true ? { var: frame.repeat.var, index: frame.iteration, oneExecution: true } : { var: frame.repeat.var, index: frame.iteration });
    }
    this.frames[depth]!.iterations = iterations;
    return iterations;
  }

  private enter(repeat: RepeatEvent, path: string): void {
    const depth = this.frames.length;
    if (this.scope.has(repeat.var)) {
      const outerPath = this.frames[this.scope.get(repeat.var)!]!.path;
      const iterations = this.iterationsAt(depth - 1).slice();
      throw varReusedError(this.file, path, repeat.var, outerPath, { eventIndex: this.index, iterations });
    }
    if (repeat.count === 0 || repeat.body.length === 0) return;
    this.scope.set(repeat.var, depth);
    let body = this.compiled.get(repeat);
    if (body === undefined) {
      body = new Array<CompiledEvent>(repeat.body.length);
      for (let k = 0; k < repeat.body.length; k++) body[k] = compileEvent(repeat.body[k]!, childPath(path, k, depth > 0), this.scope);
      this.compiled.set(repeat, body);
    }
    this.frames.push({ repeat, path, body, count: repeat.count, iteration: 0, position: 0, iterations: null });
    this.indices[depth] = 0;
  }

  private leave(): void {
    const frame = this.frames.pop()!;
    this.scope.delete(frame.repeat.var);
    this.indices.length = this.frames.length;
  }
}

/**
 * The events of a workload after `repeat` expansion, lazily, numbered from 0. `path` names each
 * event where it sits in the file (`events[2].body[1]`); `iterations` lists the enclosing repeats'
 * current iterations (shared by the events of one iteration: do not mutate it).
 */
export function* expandEvents(
  events: Iterable<Event>,
  pathPrefix = 'events',
  file = '<inline>',
  budget?: AllocationBudget,
): Generator<SourcedEvent> {
  const expander = new Expander(file, (k) => `${pathPrefix}[${k}]`, budget);
  let k = 0;
  for (const event of events) {
    let e = expander.start(event, k++);
    if (e !== null) {
      yield e;
      continue;
    }
    while ((e = expander.next()) !== null) yield e;
  }
}

/**
 * The number of events `events` expand to, counted without expanding them: a repeat is its count
 * times its body's. An explicit stack walks nested repeats. Beyond 2^53 − 1 the count is not exact
 * (it only sizes a progress bar).
 */
export function expandedEventCount(events: readonly Event[]): number {
  // Each level: its events, the next to count, its total so far, and how often it runs.
  type Level = { events: readonly Event[]; next: number; total: number; times: number };
  const stack: Level[] = [{ events, next: 0, total: 0, times: 1 }];
  for (;;) {
    const level = stack[stack.length - 1]!;
    if (level.next === level.events.length) {
      stack.pop();
      const done = level.total * level.times;
      if (stack.length === 0) return done;
      stack[stack.length - 1]!.total += done;
      continue;
    }
    const event = level.events[level.next++]!;
    if (event.op === 'repeat') stack.push({ events: event.body, next: 0, total: 0, times: event.count });
    else level.total++;
  }
}
