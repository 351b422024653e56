"""Regenerate the recorded expectations of fixtures/programs/ and check them.

    python3 test/recorder/run-oracles.py [--untraced] [--observer] [--check-wrapper] [--table]
                                         [PROGRAM ...]

--untraced       oracle A on every program under 3.11, 3.12 and 3.13, each run twice, the second
                 time with its memory laid out differently: the two runs (stdout too) must agree; writes expected/<name>.<version>.untraced.json
                 with the deterministic parts (collects, stats, count, exit)
--observer       oracle B under 3.11, run twice in the same way (the results must agree); writes
                 expected/<name>.3.11.observer.json and notes where the traced run's
                 gc.collect() results differ from the untraced ones
--check-wrapper  per program and version: the stats and count of a run with the gc.collect
                 wrapper and one without must be equal, and so must the pass-by-pass
                 gc.DEBUG_STATS output (automatic passes included) of two such runs
--table          print the README's table of gc.collect() results from the expected files
Without a mode flag: --untraced --observer. PROGRAM names (e.g. request_churn) limit the run.

Programs run with the current directory fixtures/programs/, by file name, with
PYTHONHASHSEED=0. Interpreters: $PYTHON3_11 (etc.) if set, else python3.11 on PATH if it runs,
else ~/.pyenv/versions/3.11.*/bin/python3.11; a version that cannot be found is skipped with
a note. Exit status 1 if any check failed.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAMS = os.path.join(ROOT, 'fixtures', 'programs')
EXPECTED = os.path.join(PROGRAMS, 'expected')
VERSIONS = ('3.11', '3.12', '3.13')
DETERMINISTIC = ('collects', 'stats', 'count', 'exit')


def find_python(version):
    env = os.environ.get('PYTHON' + version.replace('.', '_'))
    candidates = [env] if env else []
    candidates.append(shutil.which(f'python{version}'))
    candidates += sorted(glob.glob(os.path.expanduser(f'~/.pyenv/versions/{version}.*/bin/python{version}')))
    for exe in candidates:
        if not exe:
            continue
        try:
            out = subprocess.run([exe, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                                 capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return exe
    return None


def entry_points(names):
    programs = sorted(f[:-3] for f in os.listdir(PROGRAMS)
                      if f.endswith('.py') and not f.endswith('_helper.py'))
    if names:
        unknown = [n for n in names if n not in programs]
        if unknown:
            sys.exit(f'unknown program(s): {", ".join(unknown)}')
        programs = [p for p in programs if p in names]
    return programs


def run_oracle(python, script, name, *options, shifted=False):
    """Run one oracle; returns (its JSON result, the program's stdout, stderr). shifted=True
    adds an environment variable, which moves the process's memory layout: a result that
    depends on addresses (on which id a freed object's successor gets) shows up as a difference."""
    env = {**os.environ, 'PYTHONHASHSEED': '0'}
    if shifted:
        env['MEMPROF_ORACLE_SHIFT'] = 'x' * 4096
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'result.json')
        proc = subprocess.run([python, os.path.join(HERE, script), *options, '--out', out, f'{name}.py'],
                              cwd=PROGRAMS, capture_output=True, text=True, env=env)
        if not os.path.exists(out):
            raise RuntimeError(f'{script} {name} wrote no result:\n{proc.stderr}')
        with open(out) as f:
            return json.load(f), proc.stdout, proc.stderr


def write_json(path, data):
    with open(path, 'w') as f:
        json.dump(data, f, indent=1)
        f.write('\n')


def untraced(programs, pythons):
    failures = []
    for name in programs:
        for version, python in pythons.items():
            first, stdout1, _ = run_oracle(python, 'untraced.py', name)
            second, stdout2, _ = run_oracle(python, 'untraced.py', name, shifted=True)
            a = {k: first[k] for k in DETERMINISTIC}
            b = {k: second[k] for k in DETERMINISTIC}
            same = a == b and stdout1 == stdout2
            if not same:
                failures.append(f'{name} on {version}: two runs differ: {a} / {b}')
            write_json(os.path.join(EXPECTED, f'{name}.{version}.untraced.json'), a)
            print(f'{name:32} {version}  collects {a["collects"]}  {"" if same else "NOT DETERMINISTIC"}')
    return failures


def observer(programs, pythons):
    python = pythons.get('3.11')
    if python is None:
        print('observer: no python3.11, skipped')
        return []
    failures = []
    for name in programs:
        result, _, stderr = run_oracle(python, 'observer.py', name)
        again, _, _ = run_oracle(python, 'observer.py', name, shifted=True)
        if {**result, 'python': None} != {**again, 'python': None}:
            failures.append(f'{name}: two observer runs differ')
        if result['exit'] != 0:
            failures.append(f'{name}: observer run exited {result["exit"]}\n{stderr}')
        write_json(os.path.join(EXPECTED, f'{name}.3.11.observer.json'), result)
        census = result['census']
        note = ''
        untraced_path = os.path.join(EXPECTED, f'{name}.3.11.untraced.json')
        if os.path.exists(untraced_path):
            with open(untraced_path) as f:
                plain = json.load(f)['collects']
            if plain != result['collects']:
                note = f' (untraced: {plain})'
        print(f'{name:32} 3.11  {len(result["lines"])} lines, census {census["objects"]} objects '
              f'{census["bytes"]} B, collects {result["collects"]}{note}')
    return failures


PASS_LINE = re.compile(r'gc: collecting generation (\d)|gc: done, (\d+) unreachable, (\d+) uncollectable')


def passes(stderr):
    """[(generation, unreachable, uncollectable)] from gc.DEBUG_STATS output."""
    result, generation = [], None
    for m in PASS_LINE.finditer(stderr):
        if m.group(1) is not None:
            generation = int(m.group(1))
        else:
            result.append((generation, int(m.group(2)), int(m.group(3))))
    return result


def check_wrapper(programs, pythons):
    failures = []
    for name in programs:
        for version, python in pythons.items():
            wrapped, _, _ = run_oracle(python, 'untraced.py', name)
            plain, _, _ = run_oracle(python, 'untraced.py', name, '--no-wrap')
            _, _, err_wrapped = run_oracle(python, 'untraced.py', name, '--debug-stats')
            _, _, err_plain = run_oracle(python, 'untraced.py', name, '--debug-stats', '--no-wrap')
            problems = []
            for key in ('stats', 'count', 'exit'):
                if wrapped[key] != plain[key]:
                    problems.append(f'{key}: wrapped {wrapped[key]} / unwrapped {plain[key]}')
            pw, pp = passes(err_wrapped), passes(err_plain)
            if pw != pp:
                problems.append(f'passes: wrapped {pw} / unwrapped {pp}')
            print(f'{name:32} {version}  {len(pw) - 1} passes after the start-up one  '
                  f'{"same with and without the wrapper" if not problems else "DIFFERENT"}')
            failures += [f'{name} on {version}: {p}' for p in problems]
    return failures


def table(programs):
    print('| program | what it shows | gc.collect() 3.11 | 3.12 | 3.13 |')
    print('| --- | --- | --- | --- | --- |')
    for name in programs:
        cells = []
        for version in VERSIONS:
            path = os.path.join(EXPECTED, f'{name}.{version}.untraced.json')
            if os.path.exists(path):
                with open(path) as f:
                    cells.append(', '.join(map(str, json.load(f)['collects'])) or '—')
            else:
                cells.append('?')
        print(f'| `{name}.py` | | {" | ".join(cells)} |')


def main():
    args = sys.argv[1:]
    modes = {a for a in args if a.startswith('--')}
    names = [a for a in args if not a.startswith('--')]
    unknown = modes - {'--untraced', '--observer', '--check-wrapper', '--table'}
    if unknown:
        sys.exit(f'unknown option(s): {", ".join(sorted(unknown))}')
    if not modes:
        modes = {'--untraced', '--observer'}
    programs = entry_points(names)
    if modes == {'--table'}:
        table(programs)
        return
    pythons = {}
    for version in VERSIONS:
        exe = find_python(version)
        if exe:
            pythons[version] = exe
        else:
            print(f'python{version} not found: skipped')
    os.makedirs(EXPECTED, exist_ok=True)
    failures = []
    if '--untraced' in modes:
        failures += untraced(programs, pythons)
    if '--observer' in modes:
        failures += observer(programs, pythons)
    if '--check-wrapper' in modes:
        failures += check_wrapper(programs, pythons)
    if '--table' in modes:
        table(programs)
    for failure in failures:
        print('FAILED:', failure)
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
