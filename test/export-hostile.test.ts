// `memprof export --python` of a workload whose every string is hostile — line breaks of every kind
// (\n, \r, U+2028, U+0085, form feed), quotes, backslashes, NUL, lone surrogates, escape sequences,
// encoding declarations, Python code — is a script that compiles, runs, and observes exactly what
// the same workload with harmless strings observes. Workload strings reach the script only as
// Python literals, escaped comments or renamed identifiers; none of them runs.
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportPython, pyComment, pyString, pythonName } from '../src/export/python.js';
import { workloadFromObject } from '../src/workload/load.js';
import { generateWorkload, type GeneratedWorkload } from './differential/generate.js';
import { interpreters, runScript, type Observables } from './differential/oracle.js';

/** Characters that end a line, open an escape, close a literal or change how a file is read. */
const NASTY_CHARS = [
  '\n', '\r', '\r\n', '\u2028', '\u2029', '\x85', '\x0c', '\x0b', '\x1c', '\x1d', '\x1e', '\0', '\x1b', '\x07', '\x7f',
  '\x9b', '"', "'", '\\', '#', '\ud800', '\udfff', '\u202e', '\u2066', '\ufeff', '{', '}', '%', '\t', ' ',
];
const NASTY_TEXT = [
  "\nimport os; os._exit(7)\n",
  "\r__import__('os')._exit(7)",
  '\u2028_mp_os._exit(7)',
  '\x85raise SystemExit(7)',
  '"""', "'''",
  '# -*- coding: utf-7 -*-',
  '+AAo-raise SystemExit(7)',
  '\\N{LATIN SMALL LETTER A}',
  '\\', '\\x41', '\\u0041',
  '\x1b]0;title\x07\x1b[2J',
  '::error::forged',
  '$not-a-ref',
];

const nastyUnit = fc.oneof(
  fc.constantFrom(...NASTY_CHARS),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('a', 'B', '_', '0', '.', ':'),
);
const hostileText = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: nastyUnit, minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY_TEXT) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY_TEXT), fc.string({ unit: nastyUnit, maxLength: 6 })).map(([a, b]) => a + b) },
);

/** Identifiers the schema allows that Python, the script or JavaScript objects treat specially. */
const HOSTILE_NAMES: Record<string, string> = {
  x: 'id', y: 'print', z: 'class', head: '__builtins__', tmp: '_mp_g', obj: 'len', keep: '__keep',
};
const HOSTILE_FIELDS: Record<string, string> = { a: 'class', b: '_mp_t', c: 'None', next: '__x', prev: 'id' };
const CLASS_NAMES: Record<string, string> = { Node: 'constructor', Fin: '_mp_log', Res: 'toString', Leg: 'hasOwnProperty' };
const DICT_KEYS = new Set(['k1', 'k2', 'k3']);

/** How each kind of workload string is spelt in one copy of a workload. */
interface Spelling {
  id(id: string): string;
  label(label: string): string;
  key(key: string): string;
  fn(name: string): string;
  text(k: number): string;
  name(name: string): string;
  field(field: string): string;
  type(type: string): string;
}

const HARMLESS: Spelling = {
  id: (s) => s,
  label: (s) => s,
  key: (s) => s,
  fn: (s) => s,
  text: (k) => `text ${k}`,
  name: (s) => s,
  field: (s) => s,
  type: (s) => s,
};

/** Hostile spellings from generated fragments, each one-to-one (a suffix keeps them apart). */
function hostileSpelling(fragments: string[]): Spelling {
  const made = new Map<string, string>();
  const spell = (kind: string, s: string): string => {
    const key = `${kind}:${s}`;
    let v = made.get(key);
    if (v === undefined) {
      const k = made.size;
      v = `${fragments[k % fragments.length]!}~${kind}${k}`;
      if (v.startsWith('$')) v = `\n${v}`;
      made.set(key, v);
    }
    return v;
  };
  return {
    id: (s) => spell('id', s),
    label: (s) => spell('label', s),
    key: (s) => spell('key', s),
    fn: (s) => spell('fn', s),
    text: (k) => spell('text', String(k)),
    name: (s) => HOSTILE_NAMES[s] ?? s,
    field: (s) => HOSTILE_FIELDS[s] ?? s,
    type: (s) => CLASS_NAMES[s] ?? s,
  };
}

const SOURCE_LINES = 5;

/** The workload with its strings spelt by `sp`, a source text, lines on its events, and snapshot,
 * resize and line events (which change nothing the script observes) between them. */
function spell(w: GeneratedWorkload, sp: Spelling): Record<string, unknown> {
  const ref = (r: unknown): unknown => (typeof r !== 'string' ? r : r.startsWith('$') ? `$${sp.name(r.slice(1))}` : sp.id(r));
  const fieldName = (f: string): string => (DICT_KEYS.has(f) ? sp.key(f) : sp.field(f));
  const events: Record<string, unknown>[] = [];
  w.events.forEach((original, i) => {
    const e: Record<string, unknown> = { ...original, line: (i % SOURCE_LINES) + 1 };
    for (const k of ['from', 'to', 'value', 'id']) if (k in e) e[k] = ref(e[k]);
    if (typeof e.as === 'string') e.as = sp.name(e.as);
    if (typeof e.name === 'string') e.name = sp.name(e.name);
    if (typeof e.field === 'string') e.field = fieldName(e.field);
    if (typeof e.type === 'string') e.type = sp.type(e.type);
    if (typeof e.callback === 'string') e.callback = sp.label(e.callback);
    if (typeof e.function === 'string') {
      e.function = sp.fn(e.function);
      e.file = sp.text(100 + i);
    }
    if (Array.isArray(e.items)) e.items = e.items.map(ref);
    if (e.into !== undefined) {
      const into = e.into as { obj: string; field?: string };
      e.into = { obj: ref(into.obj), ...(into.field !== undefined ? { field: fieldName(into.field) } : {}) };
    }
    if (e.fields !== undefined) {
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(e.fields as Record<string, unknown>)) fields[e.type === 'dict' ? sp.key(k) : sp.field(k)] = ref(v);
      e.fields = fields;
    }
    events.push(e);
    if (i % 7 === 3) events.push({ op: 'snapshot', label: sp.label(`snap${i}`) });
    if (i % 11 === 5) events.push({ op: 'resize', id: sp.id('keep'), by: 8 });
    if (i % 13 === 6) events.push({ op: 'line' });
  });
  const types: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(w.types)) {
    const d = decl as { finalizer?: unknown };
    types[sp.type(name)] =
      typeof d.finalizer === 'object' && d.finalizer !== null ? { finalizer: { resurrect: `$${sp.name('keep')}` } } : d;
  }
  return {
    ...w,
    name: sp.text(0),
    source: { file: sp.text(1), lines: Array.from({ length: SOURCE_LINES }, (_, k) => sp.text(10 + k)) },
    types,
    events,
  };
}

/** The hostile run's observables in the harmless spelling. */
function unspell(o: Observables, sp: Spelling, w: GeneratedWorkload): Observables {
  const ids = new Map<string, string>();
  const labels = new Map<string, string>();
  for (const e of w.events) {
    if ((e.op === 'alloc' || e.op === 'weakref') && typeof e.id === 'string') ids.set(sp.id(e.id), e.id);
    if (typeof e.callback === 'string') labels.set(sp.label(e.callback), e.callback);
  }
  const id = (s: string): string => {
    if (ids.has(s)) return ids.get(s)!;
    if (s.endsWith('.__dict__') && ids.has(s.slice(0, -'.__dict__'.length))) return `${ids.get(s.slice(0, -'.__dict__'.length))!}.__dict__`;
    return s;
  };
  return {
    ...o,
    log: o.log.map((entry) => (entry[0] === 'weakref' ? ['weakref', id(entry[1]!), labels.get(entry[2]!) ?? entry[2]!] : [entry[0]!, id(entry[1]!)])),
    garbage: o.garbage.map(id),
    alive: o.alive.map(id).sort(),
    sizes: Object.fromEntries(Object.entries(o.sizes).map(([k, v]) => [id(k), v])),
  };
}

const python311 = interpreters()[0]!;
function hasTpDel(): boolean {
  try {
    execFileSync(python311.path, ['-c', 'import _testcapi; _testcapi.with_tp_del'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
if (!python311.present) console.warn('export-hostile: python3 (CPython 3.11) not found: the exported scripts are not run');

describe('memprof export --python of hostile strings', () => {
  it('spells strings as ASCII Python literals that evaluate to them', () => {
    expect(pyString('a\nb\r\u2028\x85\0"\'\\\ud800😀')).toBe('"a\\nb\\r\\u2028\\x85\\x00\\"\'\\\\\\ud800\\U0001f600"');
    expect(pyString('é')).toBe('"\\xe9"');
  });

  it('keeps comments on their line and names apart from the script\'s and Python\'s own', () => {
    fc.assert(
      fc.property(hostileText, (s) => {
        expect(pyComment(s)).toMatch(/^[^\r\n\f\v\x1c-\x1e\x85\u2028\u2029\x00-\x08\x7f-\x9f\ud800-\udfff]*$/u);
      }),
      { seed: 9, numRuns: 500 },
    );
    expect(pyComment('a\r\nb\u2028c\x0cd\u202ee')).toBe('a\\r\\nb\\u2028c\\x0cd\\u202ee');
    expect(['id', 'print', 'class', '__builtins__', '_mp_g', '__keep', 'x'].map(pythonName)).toEqual([
      '_mp_v_id', '_mp_v_print', '_mp_v_class', '_mp_v___builtins__', '_mp_v__mp_g', '_mp_v___keep', 'x',
    ]);
  });

  it('never writes a workload string on the first two lines (where Python reads an encoding)', async () => {
    const script = await exportPython(workloadFromObject({ version: 1, name: '# -*- coding: utf-7 -*-', events: [] }));
    expect(script.split('\n').slice(0, 2).join('\n')).not.toContain('coding');
    expect(script).toContain('# Workload: # -*- coding: utf-7 -*-\n');
  });

  it('stops at a script too long for CPython with a message, not a heap abort', async () => {
    const huge = workloadFromObject({ version: 1, events: [{ op: 'repeat', count: 1_000_000_000, body: [{ op: 'line' }] }] }, 'huge.json');
    await expect(exportPython(huge, { maxScriptChars: 64 * 1024 })).rejects.toMatchObject({
      location: { file: 'huge.json' },
      reason: 'the exported script would be longer than 65536 characters',
    });
  });

  it("stops at the __dict__ of a container subclass instance, which it writes as a plain class", async () => {
    const workload = workloadFromObject(
      { version: 1, types: { Env: { base: 'dict' } }, events: [{ op: 'alloc', id: 'e', type: 'Env', as: 'e' }, { op: 'materialize', id: 'e' }] },
      'env.json',
    );
    await expect(exportPython(workload)).rejects.toMatchObject({
      location: { file: 'env.json', eventIndex: 1 },
      reason: "'e' is an instance of a subclass of dict: the script writes it as a plain class, which keeps no dict apart from its attributes",
      hint: 'Replay this workload with memprof run rather than exporting it',
    });
  });

  it.skipIf(!python311.present)(
    'runs on CPython and observes what the harmless workload observes (seeded)',
    async () => {
      const legacy = hasTpDel();
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 100_000 }), fc.array(hostileText, { minLength: 5, maxLength: 20 }), async (seed, fragments) => {
          const w = generateWorkload(seed, { legacy, events: 40 });
          const sp = hostileSpelling(fragments);
          const script = await exportPython(workloadFromObject(spell(w, sp)), { python: '3.11' });
          // No line break but \n, no control, bidi or lone surrogate: printable text only.
          expect(script).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/u);
          const harmlessScript = await exportPython(workloadFromObject(spell(w, HARMLESS)), { python: '3.11' });
          const [harmless, hostile] = await Promise.all([runScript(python311.path, harmlessScript), runScript(python311.path, script)]);
          expect(unspell(hostile, sp, w)).toEqual(harmless);
        }),
        { seed: 20261130, numRuns: 12 },
      );
    },
    300_000,
  );
});
