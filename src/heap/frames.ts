// Names: the module frame and the function frames opened by `call`. Names hold strong references.
import type { PyObject } from './object.js';

export class Frame {
  /** Bound names and their values (null is None). */
  readonly names = new Map<string, PyObject | null>();
  /** Names in the order first bound: CPython clears fast locals in co_varnames order at return. */
  readonly order: string[] = [];
  private readonly seen = new Set<string>();
  /** The caller's line execution stays open while the callee runs (memory_profiler's reading). */
  line: number | null = null;
  /** References the evaluation stack holds until the frame's line execution ends: values in flight
   * a recorded trace names (`hold`, an allocation's `hold`, a call's `args`, a return's `keep`). */
  readonly held: PyObject[] = [];
  /** Parallel to `held`: whether the hold is a returned value's (`return` with `keep`), which a
   * call taking that value as an argument passes on to the callee. */
  readonly heldReturned: boolean[] = [];
  /** How many of `heldReturned` are true: a call's arguments look for one only when there is one. */
  returnedHolds = 0;

  constructor(
    readonly functionName: string,
    /** The file of the frame's current line (events may change it with `file`). */
    public file: string,
    /** The call site in the caller (null for the module frame). */
    readonly callLine: number | null,
  ) {}

  bind(name: string, value: PyObject | null): PyObject | null | undefined {
    const old = this.names.get(name);
    if (!this.seen.has(name)) {
      this.seen.add(name);
      this.order.push(name);
    }
    this.names.set(name, value);
    return old;
  }

  unbind(name: string): PyObject | null | undefined {
    const old = this.names.get(name);
    this.names.delete(name);
    return old;
  }
}
