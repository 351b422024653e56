// The built-in types a workload can name and what `sys.getsizeof` says of them on each CPython version,
// for people: the README's table and `memprof schema`'s description of `type` are this, rendered.
// Every figure is computed from the size facts of ../cpython/versions.ts and the size rules of
// ./layout.ts, so the documentation cannot drift from the model.
import { VERSIONS, type VersionModel } from '../cpython/versions.js';
import type { PythonVersion } from '../workload/schema.js';
import { bytearraySize, bytesSize, dictKeysSize, intSize, POINTER_SIZE, strSize } from './layout.js';

export interface BuiltinTypeRow {
  /** The name a workload writes in `type`. */
  type: string;
  /** The Python the type stands for. */
  python: string;
  /** `sys.getsizeof`, per version. */
  size: (v: VersionModel) => string;
  /** A GC type: allocating one moves gc.get_count()[0]. */
  gc: boolean;
}

const n = (x: number): string => x.toLocaleString('en-US');

export const BUILTIN_TYPE_ROWS: readonly BuiltinTypeRow[] = [
  { type: 'object', python: '`object()`: no attributes, no weakrefs', size: (v) => n(v.sizes.object), gc: false },
  { type: '(a class name, or none)', python: "an instance of a class of the workload's own (`Node()`; `Instance` when `type` is left out)", size: (v) => n(v.sizes.instance), gc: true },
  { type: 'list', python: '`[a, b]`, `[]`', size: (v) => `${n(v.sizes.list)} + ${POINTER_SIZE} × capacity`, gc: true },
  { type: 'tuple', python: '`(a, b)`', size: (v) => `${n(v.sizes.tuple)} + ${POINTER_SIZE} × items`, gc: true },
  {
    type: 'dict',
    python: '`{}`; a table as it grows',
    size: (v) => `${n(v.sizes.dict)} empty, ${n(v.sizes.dict + dictKeysSize(3))} with 1–5 str keys, ${n(v.sizes.dict + dictKeysSize(4))} with 6–10`,
    gc: true,
  },
  { type: 'set, frozenset', python: '`{a, b}`, `frozenset(…)`', size: (v) => `${n(v.sizes.set)} up to 4 items, then + 16 × table slots`, gc: true },
  { type: 'function', python: '`def f(): …`', size: (v) => n(v.sizes.function), gc: true },
  { type: 'weakref', python: '`weakref.ref(x)` (a "weakref" event)', size: (v) => n(v.sizes.weakref), gc: true },
  { type: 'str', python: "`'abc'` (ASCII)", size: (v) => `${n(strSize(v, 0))} + ${v.perItem.strAsciiChar} per character`, gc: false },
  { type: 'bytes', python: "`b'abc'`", size: (v) => `${n(bytesSize(v, 0))} + ${v.perItem.bytesByte} per byte`, gc: false },
  {
    type: 'int',
    python: `\`12345\`; ${VERSIONS['3.11'].smallInts[0]} to ${VERSIONS['3.11'].smallInts[1]} are preallocated (using one allocates nothing)`,
    size: (v) => `${n(intSize(v, 1))} below 2^${v.perItem.intDigitBits}, ${n(intSize(v, 2 ** v.perItem.intDigitBits))} below 2^${2 * v.perItem.intDigitBits}, + ${v.perItem.intDigitBytes} per ${v.perItem.intDigitBits} bits`,
    gc: false,
  },
  { type: 'float', python: '`1.5`', size: (v) => n(v.sizes.float), gc: false },
  {
    type: 'bytearray',
    python: '`bytearray(n)`',
    size: (v) => `${n(bytearraySize(v, 0))} empty, ${n(v.sizes.bytearray + v.perItem.bytearrayExtra)} + n (\`bytearray(1024)\`: ${n(bytearraySize(v, 1024))})`,
    gc: false,
  },
];

const PYTHONS = Object.keys(VERSIONS) as PythonVersion[];

/** The table as GitHub Markdown (the README's). */
export function builtinTypesMarkdown(): string {
  const head = `| \`type\` | Python | ${PYTHONS.map((p) => `${p} (bytes)`).join(' | ')} | GC type |`;
  const rule = `|:---|:---|${PYTHONS.map(() => ':---').join('|')}|:---|`;
  const rows = BUILTIN_TYPE_ROWS.map((r) => {
    const type = r.type.startsWith('(') ? r.type : r.type.split(', ').map((t) => `\`${t}\``).join(', ');
    return `| ${type} | ${r.python} | ${PYTHONS.map((p) => r.size(VERSIONS[p])).join(' | ')} | ${r.gc ? 'yes' : 'no'} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/** The table as one paragraph of text (the JSON Schema's description of `type`). */
export function builtinTypesText(): string {
  const rows = BUILTIN_TYPE_ROWS.map((r) => {
    const sizes = PYTHONS.map((p) => r.size(VERSIONS[p]));
    const size = sizes.every((s) => s === sizes[0]) ? sizes[0]! : PYTHONS.map((p, i) => `${sizes[i]!} on ${p}`).join(', ');
    return `${r.type}: ${size}${r.gc ? '' : ' (not a GC type)'}`;
  });
  return `Built-in types and their sys.getsizeof in bytes (64-bit CPython ${PYTHONS.join(', ')}): ${rows.join('; ')}.`;
}
