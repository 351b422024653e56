// gc_list_*: CPython's intrusive doubly linked lists of GC heads. A head is a bare node whose
// neighbours are itself when the list is empty.
import { GcNode, type PyObject } from '../heap/object.js';

export function newList(): GcNode {
  const head = new GcNode();
  head.gcPrev = head;
  head.gcNext = head;
  return head;
}

export function isEmpty(head: GcNode): boolean {
  return head.gcNext === head;
}

export function first(head: GcNode): PyObject | null {
  return head.gcNext === head ? null : (head.gcNext as PyObject);
}

export function append(node: GcNode, head: GcNode): void {
  const last = head.gcPrev!;
  last.gcNext = node;
  node.gcPrev = last;
  node.gcNext = head;
  head.gcPrev = node;
}

export function remove(node: GcNode): void {
  const prev = node.gcPrev!;
  const next = node.gcNext!;
  prev.gcNext = next;
  next.gcPrev = prev;
  node.gcPrev = null;
  node.gcNext = null;
}

export function move(node: GcNode, head: GcNode): void {
  remove(node);
  append(node, head);
}

/** Appends all of `from` to the tail of `to`; `from` becomes empty. */
export function merge(from: GcNode, to: GcNode): void {
  if (from === to || isEmpty(from)) return;
  const toLast = to.gcPrev!;
  const fromFirst = from.gcNext!;
  const fromLast = from.gcPrev!;
  toLast.gcNext = fromFirst;
  fromFirst.gcPrev = toLast;
  fromLast.gcNext = to;
  to.gcPrev = fromLast;
  from.gcNext = from;
  from.gcPrev = from;
}
