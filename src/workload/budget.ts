// The bytes a trace allocates in all, held to MAX_BYTES (2^53−1) as the loader hands events on.
//
// Memory figures are sums of sizes held in JavaScript numbers, exact up to 2^53−1. The schema holds
// each size to that, but a trace can allocate many: two objects of 2^52 bytes already make a figure
// inexact. So the loader adds up, event by event after repeat expansion, the bytes the trace states:
// the baseline; each alloc's size, else its type's size declared in `types`; each resize's new size,
// or its `by` when positive; and for built-in types whose size `types` declares, the objects an event
// may create besides its own (a `__dict__` per alloc; a weakref and a callback tuple per weakref).
// Every memory figure — live, peak, allocated, freed, a line's increment — is at most that total, so
// none can pass 2^53−1.
//
// Not counted: built-in default sizes and the growth of lists and dicts, which cost a few bytes per
// item an event stores or names: passing 2^53−1 through them takes some 10^15 item operations,
// months of replay.
import { MAX_BYTES, parseSize, type PlainEvent, type WorkloadHeader } from './schema.js';

export const BUDGET_REASON = `the trace allocates more than 2^53−1 bytes in all (${MAX_BYTES}, baseline included): memory figures past that are not exact`;
export const BUDGET_HINT = 'Use smaller sizes or fewer iterations';

export class AllocationBudget {
  /** Bytes stated so far, the baseline included. */
  total: number;
  /** Declared size per type name (0 when `types` declares none), filled as types are met. */
  private readonly declared = new Map<string, number>();
  /** What an alloc and a weakref may create besides the object they name. */
  private readonly perAlloc: number;
  private readonly perWeakref: number;

  constructor(private readonly header: WorkloadHeader) {
    this.total = parseSize(header.baseline);
    this.perAlloc = this.declaredSize('dict');
    this.perWeakref = this.declaredSize('weakref') + this.declaredSize('tuple');
  }

  private declaredSize(type: string): number {
    let size = this.declared.get(type);
    if (size === undefined) {
      const decl = Object.prototype.hasOwnProperty.call(this.header.types, type) ? this.header.types[type] : undefined;
      size = decl?.size === undefined ? 0 : parseSize(decl.size);
      this.declared.set(type, size);
    }
    return size;
  }

  /** Adds what `event` allocates; false once the total is past MAX_BYTES. */
  charge(event: PlainEvent): boolean {
    switch (event.op) {
      case 'alloc': {
        const size = event.size;
        this.total +=
          (typeof size === 'number' ? size : size === undefined ? this.declaredSize(event.type) : parseSize(size)) + this.perAlloc;
        break;
      }
      case 'resize': {
        const size = event.size;
        this.total += size !== undefined ? parseSize(size) : Math.max(0, event.by ?? 0);
        break;
      }
      case 'weakref':
        this.total += this.perWeakref + (event.size === undefined ? 0 : parseSize(event.size));
        break;
      default:
        return true;
    }
    return this.total <= MAX_BYTES;
  }
}
