"""What a line can do to the containers it names, read from its bytecode.

A dict of 100,000 entries named by `d[i] = str(i)` changed in one key: comparing all of it at every
line would make recording a growing container quadratic. So each use of a name (or of an attribute
path below a name, `self.cache`) in a line is classified:

  STORE  `c[k] = v`, `del c[k]`, `c[k] += v`, `c.pop(k)`, `c.setdefault(k, v)`: key k may change;
  NEW    `c[<expression>] = v`: a key the recorder cannot name is stored (a dict compared at its
         last keys must then have grown by one new key per such store);
  READ   `c[k]`, `k in c`, `for x in c`, `len(c)`, `c.get(k)`, `c.keys()`…: nothing changes
         (a read with a key names the entry whose value the line may go on to change);
  TAIL   `c.append(x)`, `c.extend(xs)`, `c.pop()`: a list changes at its end;
  WHOLE  `c.x = v`, `del c.x`, `c[<expression>]`, `c[a:b] = v`: c (or an entry of it the recorder
         cannot name) changes, without handing c to unknown code: c is compared in full;
  OTHER  anything else (passed to a call, a method the recorder does not know): anything reachable
         from c may change, so nothing the line names is taken at its use.

A value being stored (`c[k] = v`, `c.x = v`) is a READ of v. So is a read at a computed key or a
slice whose result nothing on the line can change: bound to a name, stored as a value, iterated,
compared, or read by a builtin that changes nothing (`a.peer = c[i + 1]`, `zip(c, c[1:])`). A line
that runs code of its own (a comprehension, a lambda) also gets the use INNER: that code may change
any entry of what it iterates.

The key must be a name not rebound in the line, a str constant or a small int constant. A read
may also be at arithmetic on names and constants (`nodes[i + 1].prev = n`, `grid[y * w + x]`):
the recorder computes its value after the line when the names hold ints (or strs, added). A line's
uses are kept as one string (nothing the collector counts): uses joined by \\0, each
`op \\3 path \\3 key`, the path `.`-joined, the key `n<name>`, `s<str>`, `i<int>`, `x<tokens>`
(the arithmetic in postfix, space-separated: `n<name>`, `i<int>`, `o<BINARY_OP's argument>`) or
empty.
"""
import dis
import operator
import sys

STORE = 'S'
NEW = 'N'
READ = 'R'
TAIL = 'T'
WHOLE = 'W'
INNER = 'I'  # the line runs code of its own (a comprehension, a lambda): see line_uses
OTHER = 'O'

_NAME_LOADS = frozenset(['LOAD_FAST', 'LOAD_FAST_CHECK', 'LOAD_NAME', 'LOAD_GLOBAL', 'LOAD_DEREF', 'LOAD_CLASSDEREF'])
_NAME_STORES = frozenset(['STORE_FAST', 'STORE_NAME', 'STORE_GLOBAL', 'STORE_DEREF', 'DELETE_FAST', 'DELETE_NAME',
                          'DELETE_GLOBAL', 'DELETE_DEREF', 'LOAD_FAST_AND_CLEAR'])
_KEY_OPS = {'STORE_SUBSCR': STORE, 'DELETE_SUBSCR': STORE, 'BINARY_SUBSCR': READ, 'COPY': STORE}
_READ_NEXT = frozenset(['CONTAINS_OP', 'GET_ITER', 'STORE_FAST', 'STORE_NAME', 'STORE_GLOBAL', 'STORE_DEREF', 'POP_TOP'])
_READ_METHODS = frozenset(['get', 'keys', 'values', 'items', 'copy', 'count', 'index', '__contains__', '__len__'])
_KEY_METHODS = frozenset(['get', 'pop', 'setdefault'])
_TAIL_METHODS = frozenset(['append', 'extend'])
_CALLS = frozenset(['PRECALL', 'CALL'])
_RESULT_DROPS = frozenset(['POP_TOP', 'STORE_FAST', 'STORE_NAME', 'STORE_GLOBAL', 'STORE_DEREF'])
_JUMPS = frozenset(dis.hasjrel + dis.hasjabs)
_INNER_CODE = frozenset(['MAKE_FUNCTION', 'LOAD_FAST_AND_CLEAR'])
# Builtins that read their arguments and change nothing in them (what they call of the program's,
# `__iter__` or `__lt__`, is traced).
_PURE_BUILTINS = frozenset(['len', 'zip', 'enumerate', 'reversed', 'sorted', 'iter', 'list', 'tuple', 'set',
                            'frozenset', 'sum', 'min', 'max', 'any', 'all', 'isinstance', 'id', 'print'])
# Of those, the ones whose result refers to nothing the arguments hold.
_DETACHED_RESULTS = frozenset(['len', 'sum', 'any', 'all', 'isinstance', 'id', 'print'])
_SAFE_RESULT_USES = _READ_NEXT | {'COMPARE_OP', 'BINARY_OP', 'RETURN_VALUE', 'UNPACK_SEQUENCE', 'TO_BOOL'}
# What computes a value from reads, each pushing one value: names, constants, attributes, subscripts,
# slices and arithmetic (not `+=`, which changes a list in place).
_LOADS = _NAME_LOADS | {'LOAD_CONST', 'LOAD_ATTR'}
_EXPRESSION_OPS = _NAME_LOADS | {'LOAD_CONST', 'LOAD_ATTR', 'BINARY_SUBSCR', 'BINARY_SLICE', 'BUILD_SLICE', 'BINARY_OP'}
# The BINARY_OP arguments a computed key may use, with what each computes: + & // * % | >> - ^
# (not <<, **: a huge result). A key's postfix text names an operator `o<argument>`.
KEY_ARITHMETIC = {0: operator.add, 1: operator.and_, 2: operator.floordiv, 5: operator.mul, 6: operator.mod,
                  7: operator.or_, 9: operator.rshift, 10: operator.sub, 12: operator.xor}
_FIRST_INPLACE = [name for name, _ in dis._nb_ops].index('NB_INPLACE_ADD') if hasattr(dis, '_nb_ops') else 13
# What has no effect of its own: EXTENDED_ARG's bits are already in the next instruction's argument
# (a code object of more than 256 names or constants has one before most loads).
_NO_OPS = frozenset(['EXTENDED_ARG', 'NOP'])
# 3.12+: LOAD_ATTR's low oparg bit says it loads a method.
_METHOD_BIT = sys.version_info >= (3, 12)


class _Op:
    """One instruction, with a superinstruction's two names split into two loads."""
    __slots__ = ('name', 'arg', 'argval', 'code')

    def __init__(self, name, arg, argval):
        self.name = name
        self.arg = arg
        self.argval = argval
        self.code = dis.opmap.get(name)


def _expand(instructions):
    ops = []
    for ins in instructions:
        if ins.opname in _NO_OPS:
            continue
        if ins.opname == 'LOAD_FAST_LOAD_FAST':
            ops.append(_Op('LOAD_FAST', None, ins.argval[0]))
            ops.append(_Op('LOAD_FAST', None, ins.argval[1]))
        elif ins.opname == 'STORE_FAST_LOAD_FAST':
            ops.append(_Op('STORE_FAST', None, ins.argval[0]))
            ops.append(_Op('LOAD_FAST', None, ins.argval[1]))
        elif ins.opname == 'STORE_FAST_STORE_FAST':
            ops.append(_Op('STORE_FAST', None, ins.argval[0]))
            ops.append(_Op('STORE_FAST', None, ins.argval[1]))
        else:
            ops.append(_Op(ins.opname, ins.arg, ins.argval))
    return ops


def _key(op, read=False):
    """The key a load gives, as a use's key text, or None. A key only read (`c[k]`) may be any
    int: its value finds the entry; one stored must be the very object the line stores."""
    if op.name in _NAME_LOADS and isinstance(op.argval, str):
        return 'n' + op.argval
    if op.name == 'LOAD_CONST':
        value = op.argval
        if type(value) is str and not any(c in value for c in '\0\1\3'):
            return 's' + value
        if type(value) is int and (read or -5 <= value <= 256):
            return 'i%d' % value  # the interpreter's own int: the same object wherever it is made
    return None


def _method(op):
    """The method name a load of an attribute gives, or None if it loads a plain attribute."""
    if op.name == 'LOAD_METHOD':
        return op.argval
    if op.name == 'LOAD_ATTR' and _METHOD_BIT and op.arg is not None and op.arg & 1:
        return op.argval
    return None


def line_uses(instructions):
    """The uses of one line's instructions (in order), as the string the module describes; empty
    when no use is one a container can be compared at."""
    ops = _expand(instructions)
    stored = {op.argval for op in ops if op.name in _NAME_STORES}
    uses = []
    n = len(ops)
    for i, op in enumerate(ops):
        if op.name not in _NAME_LOADS or not isinstance(op.argval, str):
            continue
        if op.name in ('LOAD_GLOBAL', 'LOAD_NAME') and op.argval in _PURE_BUILTINS:
            continue
        path = [op.argval]
        j = i + 1
        while j < n and ops[j].name == 'LOAD_ATTR' and _method(ops[j]) is None:
            path.append(ops[j].argval)
            j += 1
        use, key = _classify(ops, i, j, n)
        if key is not None and key[0] == 'n' and key[1:] in stored:
            use, key = OTHER, None  # the key's name is rebound: its value after the line is another
        elif key is not None and key[0] == 'x' and any(t[0] == 'n' and t[1:] in stored for t in key[1:].split(' ')):
            use, key = WHOLE, None
        uses.append('%s\3%s\3%s' % (use, '.'.join(path), key or ''))
    if all(use[0] in (OTHER, WHOLE) for use in uses):
        return ''  # nothing to take at its use
    if any(op.name in _INNER_CODE for op in ops):
        # Code the line runs inside it (3.11 gives a comprehension a frame the recorder does not
        # follow; 3.12 inlines it) may change any entry of what it iterates.
        uses.append(INNER + '\3\3')
    return '\0'.join(uses)


def _classify(ops, i, j, n):
    """(use, key) of the object loaded by ops[i:j]."""
    if j >= n:
        return OTHER, None
    after = ops[j]
    if j == i + 1 and _is_argument(ops, i, n):
        return READ, None
    subscript = _subscript(ops, j, n)
    if subscript is not None:
        op, key_ops = subscript
        key = _key(key_ops[0], op == 'BINARY_SUBSCR') if len(key_ops) == 1 else None
        if key is not None:
            return _KEY_OPS[op], key
        if op == 'STORE_SUBSCR':
            return NEW, None
        if op == 'STORE_SLICE':
            return WHOLE, None
        if op == 'DELETE_SUBSCR' or op == 'COPY':
            return OTHER, None
        # A read at a computed key hands out an entry the line may change (`c[k % 10].append(x)`),
        # unless where the entry goes nothing can change it.
        if _result_kept(ops, j + len(key_ops) + 1, n) or _pure_call_argument(ops, i, n):
            return READ, None
        if op == 'BINARY_SUBSCR':
            key = _arithmetic(key_ops)
            if key is not None:
                return READ, key
        return WHOLE, None
    if after.name in _READ_NEXT:
        return READ, None
    if after.name in ('STORE_ATTR', 'DELETE_ATTR'):
        return WHOLE, None
    if _stores_into(ops, j, n):
        return READ, None
    if _pure_call_argument(ops, i, n):
        return READ, None
    method = _method(after)
    if method is None:
        return OTHER, None
    if method in _TAIL_METHODS:
        return TAIL, None
    if method == 'pop' and j + 1 < n and ops[j + 1].name in _CALLS and ops[j + 1].arg == 0:
        return TAIL, None
    if method in _KEY_METHODS and _simple_call(ops, j + 1, n):
        key = _key(ops[j + 1])
        if key is not None:
            return (READ if method == 'get' else STORE), key
    if method == 'setdefault' and _result_unused(ops, j, n):
        return NEW, None  # at a computed key: a new key at the end, or none
    if method in _READ_METHODS:
        return READ, None
    return OTHER, None


def _arithmetic(key_ops):
    """The key text `x<tokens>` of a key computed by arithmetic on names and int constants
    (`i + 1`, `y * w + x`), or None."""
    tokens = []
    depth = 0
    for op in key_ops:
        if op.name in _NAME_LOADS and isinstance(op.argval, str) and dis.stack_effect(op.code, op.arg or 0) == 1:
            tokens.append('n' + op.argval)
            depth += 1
        elif op.name == 'LOAD_CONST' and type(op.argval) is int:
            tokens.append('i%d' % op.argval)
            depth += 1
        elif op.name == 'BINARY_OP' and op.arg in KEY_ARITHMETIC and depth >= 2:
            tokens.append('o%d' % op.arg)
            depth -= 1
        else:
            return None
    return 'x' + ' '.join(tokens) if depth == 1 and len(tokens) > 1 else None


def _is_pure_builtin(op):
    return op.name in ('LOAD_GLOBAL', 'LOAD_NAME') and op.argval in _PURE_BUILTINS


def _pure_call_argument(ops, i, n):
    """Whether the load ops[i] is read by the arguments of a call to a builtin that changes none
    of them (names, constants, and what reads of them compute: `xs[1:]`, `xs[i + 1]`), whose
    result goes nowhere that could change them either (a loop, a name, a comparison): `len(c)`,
    `for a, b in zip(xs, xs[1:])`, `enumerate(items)`."""
    start = i
    while start > 0 and ops[start - 1].name in _EXPRESSION_OPS and not _is_pure_builtin(ops[start - 1]):
        start -= 1
    callee = start - 2 if start > 1 and ops[start - 1].name == 'PUSH_NULL' else start - 1  # (3.13)
    if callee < 0 or not _is_pure_builtin(ops[callee]):
        return False
    end, depth = _expression_end(ops, start, n)
    if end >= n or ops[end].name not in _CALLS or ops[end].arg != depth:
        return False
    if ops[callee].argval in _DETACHED_RESULTS:
        return True
    if ops[end].name == 'PRECALL':
        end += 1  # (3.11: PRECALL, then CALL)
    return end + 1 >= n or _result_kept(ops, end + 1, n)


def _result_kept(ops, p, n):
    """Whether the value the instruction before ops[p] pushed goes nowhere that could change it:
    a loop, a name, a comparison, a test, or stored as a value (`a.peer = <value>`). Not when the
    line's instructions end there (an argument on a line of its own, of a call on the first)."""
    if p >= n:
        return False
    if ops[p].name in _SAFE_RESULT_USES or ops[p].name.startswith('POP_JUMP'):
        return True
    end, depth = _expression_end(ops, p, n)
    return end < n and (ops[end].name == 'STORE_ATTR' and depth == 1 or ops[end].name == 'STORE_SUBSCR' and depth == 2)


def _expression_end(ops, p, n):
    """(index, depth) of the first instruction from ops[p] on that is not part of values computed
    from reads (_EXPRESSION_OPS), with how many such values the stack then holds above what it held
    at p. Each instruction must push one value and take only values pushed since p."""
    depth = 0
    while p < n:
        op = ops[p]
        if op.name not in _EXPRESSION_OPS or op.name == 'BINARY_OP' and (op.arg or 0) >= _FIRST_INPLACE:
            break
        effect = dis.stack_effect(op.code, (op.arg or 0) if op.code >= dis.HAVE_ARGUMENT else None)
        pushed_one = effect == (0 if op.name == 'LOAD_ATTR' else 1) if op.name in _LOADS else True
        if not pushed_one or depth + effect < 1:
            break
        depth += effect
        p += 1
    return p, depth


def _subscript(ops, j, n):
    """When the object loaded just before ops[j] is subscripted (`c[<key>]` read, stored, deleted
    or updated in place): (the subscript's opcode name, the key's instructions); else None. The
    key's instructions are found by following the stack: the subscript is the first of those
    opcodes met with only the key above the object."""
    for p, before, after in _depths(ops, j, n):
        op = ops[p]
        if before == 1 and op.name in _KEY_OPS and p > j and (op.name != 'COPY' or _augmented(ops, p, n)):
            return op.name, ops[j:p]
        if before == 2 and op.name in ('BINARY_SLICE', 'STORE_SLICE'):
            return op.name, ops[j:p]  # (3.12+: `c[a:b]`; 3.11 builds a slice and subscripts)
        if after is None or after <= 0:
            return None
    return None


def _result_unused(ops, j, n):
    """Whether the method loaded at ops[j] is called and its result dropped or bound to a name
    (nothing else on the line can change what it returns)."""
    for p, _, after in _depths(ops, j, n):
        if after is None:
            return False
        if ops[p].name == 'CALL' and after == 0:
            return p + 1 < n and ops[p + 1].name in _RESULT_DROPS
        if after <= 0:
            return False
    return False


def _depths(ops, j, n):
    """(index, depth before, depth after) for ops[j:], the depth being how many values the stack
    holds above the object loaded just before ops[j]. Ends at a jump or at an opcode whose effect
    is not known, with None as its depth after."""
    depth = 0
    for p in range(j, n):
        op = ops[p]
        if op.code is None or op.code in _JUMPS:
            yield p, depth, None
            return
        try:
            after = depth + dis.stack_effect(op.code, (op.arg or 0) if op.code >= dis.HAVE_ARGUMENT else None)
        except ValueError:
            yield p, depth, None
            return
        yield p, depth, after
        depth = after


def _augmented(ops, p, n):
    """Whether ops[p] starts `c[k] += v`'s `COPY 2; COPY 2; BINARY_SUBSCR` (a COPY elsewhere is an
    `and`/`or` keeping a value)."""
    return (p + 2 < n and ops[p].arg == 2 and ops[p + 1].name == 'COPY' and ops[p + 1].arg == 2
            and ops[p + 2].name == 'BINARY_SUBSCR')


def _simple_call(ops, start, n):
    """Whether ops[start:] is `(k)` or `(k, v)` up to the call, k and v each one load."""
    end = start
    while end < n and end - start < 2 and (_key(ops[end]) is not None or ops[end].name in _NAME_LOADS or ops[end].name == 'LOAD_CONST'):
        end += 1
    return start < end < n and ops[end].name in _CALLS and ops[end].arg == end - start  # (not `c.get(f(x))`)


def _is_argument(ops, i, n):
    """Whether the load ops[i] is a key (`c[k]`, `k in c`) or the argument of a method the recorder
    knows (`c.append(x)`): read, not changed."""
    after = ops[i + 1]
    if after.name in ('STORE_SUBSCR', 'DELETE_SUBSCR', 'BINARY_SUBSCR') or (after.name == 'COPY' and _augmented(ops, i + 1, n)):
        return True
    if i + 2 < n and after.name in _NAME_LOADS and ops[i + 2].name == 'CONTAINS_OP':
        return True
    for back in (1, 2):  # the first or the second argument of a method the recorder knows
        method = _method(ops[i - back]) if i >= back else None
        if method in _TAIL_METHODS or method in _KEY_METHODS:
            return back == 1 or _key(ops[i - 1]) is not None
    return False


def _stores_into(ops, j, n):
    """Whether ops[j:] starts `c[k] = <value loaded before j>`, `c[a:b] = <value>` or `c.x = <value>`."""
    if ops[j].name not in _NAME_LOADS:
        return False
    j += 1
    while j < n and ops[j].name == 'LOAD_ATTR' and _method(ops[j]) is None:
        j += 1
    if j < n and ops[j].name == 'STORE_ATTR':
        return True
    subscript = _subscript(ops, j, n)
    return subscript is not None and subscript[0] in ('STORE_SUBSCR', 'STORE_SLICE')


def parse(text):
    """The uses of a line: a list of (use, path, key text)."""
    if not text:
        return []
    return [use.split('\3') for use in text.split('\0')]
