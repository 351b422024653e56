// What the recorder reads from a line's bytecode about the containers it names (uses.py): a line
// classified too generously would let the recorder skip a change, so each kind of line is pinned,
// on every CPython version present (their bytecode differs: PRECALL on 3.11, LOAD_ATTR's method
// bit on 3.12, LOAD_FAST_LOAD_FAST on 3.13).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpreter, VERSIONS } from './support/corpus.js';

const PACKAGE = join(import.meta.dirname, '..', 'src', 'recorder', 'python');

/** Each line of `f`'s body, classified: `use,path,key` per use, `|` between uses. */
const SCRIPT = `
import dis, sys
sys.path.insert(0, sys.argv[1])
from memprof_recorder.uses import line_uses
def f(d, i, k, v, m, lst, self):
    d[i] = str(i)
    del d[k]
    x = d[k]
    self.cache[k] = x
    lst.append(x)
    d.pop(k, None)
    v = d.get(k)
    lst.pop()
    self.items.append(k)
    d[k] += 1
    d['a'] = 1
    lst[5] = 2
    self.x = v
    n = len(d)
    helper(d)
    lst.sort()
    d[k] = v; k = 3
    d[f"k{i}"] = v
    d[i % 600].append(i)
    d.setdefault(f"s{i}", i)
    d.setdefault(k, v)
    d[m[k]] = 1
    d[c and k] = v
    d[1000] = v
    x = lst[4997]
    d.setdefault(str(i), []).append(i)
    d.get(str(k))
    pairs = zip(d, lst)
    helper(zip(d, lst))
    lst[i].peer = lst[i + 1]
    pairs = zip(lst, lst[1:])
    x = lst[i - 1]
    if lst[i + 1]: pass
    helper(lst[i + 1])
    helper(lst[1:])
    lst[i - 1].append(v)
    lst[k.x].append(v)
    lst[v + 1].append(i); v = 0
    total = sum([len(x) for x in d.values()])
    lst[1:3] = v
by_line = {}
for ins in dis.get_instructions(f):
    if ins.positions is not None and ins.positions.lineno is not None:
        by_line.setdefault(ins.positions.lineno, []).append(ins)
first = f.__code__.co_firstlineno
for line in sorted(by_line):
    if line > first:
        print(line_uses(by_line[line]).replace('\\0', ' | ').replace('\\3', ','))
# A code object of more than 256 names and constants puts EXTENDED_ARG before most loads.
big = compile(''.join('x%d = "c%d"\\n' % (i, i) for i in range(300)) + 'd["a"] = id(t)\\nlst.append(x)\\n', 'big', 'exec')
by_line = {}
for ins in dis.get_instructions(big):
    by_line.setdefault(ins.positions.lineno, []).append(ins)
for line in (301, 302):
    print(line_uses(by_line[line]).replace('\\0', ' | ').replace('\\3', ','))
`;

const EXPECTED = [
  'O,str, | O,i, | S,d,ni | R,i,', // d[i] = str(i): key i; i handed to str (an int: harmless)
  'S,d,nk | R,k,', // del d[k]
  'R,d,nk | R,k,', // x = d[k]
  'R,x, | S,self.cache,nk | R,k,', // a store through an attribute path; the value is read
  'T,lst, | R,x,', // lst.append(x)
  'S,d,nk | R,k,', // d.pop(k, None)
  'R,d,nk | R,k,', // d.get(k)
  'T,lst,', // lst.pop()
  'T,self.items, | R,k,',
  'S,d,nk | R,k,', // d[k] += 1
  'S,d,sa', // a str constant key
  'S,lst,i5', // a small int constant index (a list compares all of itself then)
  'R,v, | W,self,', // an attribute stored: self compared in full, no code handed it
  'R,d,', // len(d)
  '', // helper(d): handed to a call, nothing to take
  '', // lst.sort(): a method the recorder does not know
  'R,v, | O,d, | R,k,', // the key's name is rebound later in the line
  'R,v, | N,d, | O,i,', // a store at a computed key
  'R,d,xni i600 o6 | O,i, | R,i,', // a read at arithmetic on names: the recorder computes the key
  'N,d, | R,i, | O,i,', // setdefault at a computed key, its result dropped: a new key at the end or none
  'S,d,nk | R,k, | R,v,',
  'N,d, | R,m,nk | R,k,', // the key is itself a subscript: computed
  'O,v, | O,d, | O,c, | R,k,', // `c and k` jumps: nothing is taken from the line
  'R,v, | N,d,', // a big int constant is another object than the one the line stores
  'R,lst,i4997', // a big int constant read at: its value finds the entry
  'O,d, | R,str, | R,i, | R,i,', // setdefault at a computed key whose result the line changes
  'R,d, | R,str, | R,k,', // the call inside the argument is not the method's own
  'R,d, | R,lst,', // arguments of a builtin that changes none of them, its result bound to a name
  '', // the same handed on to a call: what it iterates may be changed
  'R,lst, | O,i, | R,lst,ni | R,i,', // an entry at a computed index stored as a value changes nothing
  'R,lst, | R,lst,', // a slice read by a builtin that changes nothing
  'R,lst, | O,i,', // an entry at a computed index bound to a name
  'R,lst, | O,i,', // ... or tested
  'O,helper, | R,lst,xni i1 o0 | O,i,', // ... handed to a call: the entry at the computed index
  '', // a slice handed to a call: what it holds may be changed
  'R,lst,xni i1 o10 | O,i, | R,v,', // an entry at a computed index changed: that entry
  'W,lst, | O,k.x, | R,v,', // a key computed otherwise: any entry may be the one changed
  'W,lst, | O,v, | R,i,', // arithmetic on a name the line rebinds
];

/** A comprehension runs inside the line: its own frame on 3.11, inlined (x a local) on 3.12+. */
const COMPREHENSION: Record<string, string> = {
  '3.11': 'R,d, | I,,',
  '3.12': 'R,d, | R,x, | I,,',
  '3.13': 'R,d, | R,x, | I,,',
};

/** A slice assigned: 3.11 subscripts with a slice object (a store at a key the recorder cannot
 * name); 3.12 has STORE_SLICE (the list changes, compared in full). */
const SLICE_STORE: Record<string, string> = {
  '3.11': 'R,v, | N,lst,',
  '3.12': 'R,v, | W,lst,',
  '3.13': 'R,v, | W,lst,',
};

/** The same lines in a code object whose loads carry EXTENDED_ARG. */
const EXTENDED = ['R,t, | S,d,sa', 'T,lst, | R,x,'];

for (const version of VERSIONS) {
  const python = interpreter(version);
  describe.skipIf(python === null)(`uses.py on CPython ${version}${python === null ? ' (not found: skipped)' : ''}`, () => {
    it('classifies what each line does to the containers it names', () => {
      const lines = execFileSync(python!.path, ['-c', SCRIPT, PACKAGE], { encoding: 'utf8' }).trimEnd().split('\n');
      expect(lines).toEqual([...EXPECTED, COMPREHENSION[version], SLICE_STORE[version], ...EXTENDED]);
    });
  });
}
