// `a.__dict__ = shared` (the Borg pattern) as a workload: an instance with a list attribute takes a
// dict it does not own as its attributes, then refers to itself through it. CPython 3.11, 3.12 and
// 3.13 collect 0 (the dict's name still holds the instance) and then 2 (the instance and the dict).
import type { Event } from '../../src/workload/schema.js';

export const SHARED_DICT_EVENTS: Event[] = [
  { op: 'alloc', id: 'shared', type: 'dict', as: 'shared' },
  { op: 'alloc', id: 'a', type: 'A', as: 'a' },
  { op: 'alloc', id: 'x', type: 'list', into: { obj: 'a', field: 'x' } },
  { op: 'materialize', id: 'a', dict: 'shared' },
  { op: 'ref', from: 'a', field: 'me', to: 'a' },
  { op: 'unbind', name: 'a' },
  { op: 'gc.collect' },
  { op: 'unbind', name: 'shared' },
  { op: 'gc.collect' },
];

export const SHARED_DICT_COLLECTS = [0, 2];
