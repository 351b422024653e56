// Workload strings that become object keys — attribute names and dict keys in `fields`, class names
// in `types` — may be any string a Python program can use, `__proto__` included.
//
// zod's record leaves a `__proto__` key out of the object it returns, unchecked (assigning it would
// set that object's prototype). So after zod the loader checks such a value with the same schema
// and hands on a null-prototype copy of the record that holds it as an own key. Null prototypes
// also mean that a class named `valueOf` or `constructor` that the workload does not declare is
// looked up as itself and never finds one of Object.prototype's functions.
import type { z } from 'zod';
import { nullableRefSchema, typeDeclSchema, type Event, type TypeDecl, type WorkloadHeader } from './schema.js';

type Issue = z.core.$ZodIssue;
type Path = PropertyKey[];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOwnProto(value: unknown): value is Record<string, unknown> {
  return isObject(value) && Object.prototype.hasOwnProperty.call(value, '__proto__');
}

/** A null-prototype copy of `record`'s own enumerable string keys, in order. */
export function ownRecord<T>(record: Record<string, T>): Record<string, T> {
  const copy = Object.create(null) as Record<string, T>;
  for (const key of Object.keys(record)) copy[key] = record[key]!;
  return copy;
}

/** Sets `key` as an own property of `obj`, even when it is `__proto__` and `obj` has a prototype. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function prefixed(issues: readonly Issue[], path: Path): Issue[] {
  return issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] }) as Issue);
}

/** The problems of a `types.__proto__` declaration zod skipped, with paths from the header's root. */
export function headerKeyIssues(input: unknown): Issue[] {
  if (!isObject(input) || !hasOwnProto(input.types)) return [];
  const parsed = typeDeclSchema.safeParse(input.types.__proto__);
  return parsed.success ? [] : prefixed(parsed.error.issues, ['types', '__proto__']);
}

/** `header.types` as a null-prototype record that holds every class the input names. */
export function restoreHeaderKeys(input: unknown, header: WorkloadHeader): void {
  const types = ownRecord(header.types);
  if (isObject(input) && hasOwnProto(input.types)) {
    // Rebuilt in the input's order, `__proto__` where the user wrote it.
    const inputTypes = input.types;
    const ordered = Object.create(null) as Record<string, TypeDecl>;
    for (const key of Object.keys(inputTypes)) {
      ordered[key] = key === '__proto__' ? typeDeclSchema.parse(inputTypes[key]) : types[key]!;
    }
    header.types = ordered;
    return;
  }
  header.types = types;
}

/** Each `alloc` of an event (a repeat's body included) with its path from the event, depth-first. */
function* allocs(input: unknown, path: Path): Generator<{ input: Record<string, unknown>; path: Path }> {
  const pending: { input: unknown; path: Path }[] = [{ input, path }];
  while (pending.length > 0) {
    const { input: e, path: p } = pending.pop()!;
    if (!isObject(e)) continue;
    if (e.op === 'alloc') yield { input: e, path: p };
    else if (e.op === 'repeat' && Array.isArray(e.body)) {
      for (let k = e.body.length - 1; k >= 0; k--) pending.push({ input: e.body[k], path: [...p, 'body', k] });
    }
  }
}

/** The problems of `fields.__proto__` values zod skipped, in `event` and the repeats it holds. */
export function eventKeyIssues(event: unknown, path: Path = []): Issue[] {
  const issues: Issue[] = [];
  for (const alloc of allocs(event, path)) {
    if (!hasOwnProto(alloc.input.fields)) continue;
    const parsed = nullableRefSchema.safeParse(alloc.input.fields.__proto__);
    if (!parsed.success) issues.push(...prefixed(parsed.error.issues, [...alloc.path, 'fields', '__proto__']));
  }
  return issues;
}

/** The problems of every `__proto__` key zod skipped in a `.json` document. */
export function documentKeyIssues(document: unknown): Issue[] {
  const issues = headerKeyIssues(document);
  const events = isObject(document) ? document.events : undefined;
  if (Array.isArray(events)) for (let k = 0; k < events.length; k++) issues.push(...eventKeyIssues(events[k], ['events', k]));
  return issues;
}

/**
 * Gives every `alloc` that zod parsed out of `input` the input's own `fields` (zod returns the
 * references unchanged, but without a `__proto__` key) as a null-prototype record.
 */
export function restoreEventKeys(input: unknown, parsed: Event): void {
  const pending: { input: unknown; parsed: Event }[] = [{ input, parsed }];
  while (pending.length > 0) {
    const { input: e, parsed: p } = pending.pop()!;
    if (!isObject(e)) continue;
    if (p.op === 'alloc') {
      if (p.fields !== undefined && isObject(e.fields)) p.fields = ownRecord(e.fields as Record<string, string | null>);
    } else if (p.op === 'repeat' && Array.isArray(e.body)) {
      for (let k = 0; k < p.body.length; k++) pending.push({ input: e.body[k], parsed: p.body[k]! });
    }
  }
}
