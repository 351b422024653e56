"""Entry point of memprof's recorder: `python memprof_record.py --out TRACE -- SCRIPT [ARGS...]`."""
import sys

_preloaded = frozenset(sys.modules)  # (what the interpreter loaded before the recorder)
import os  # noqa: E402

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _here)
from memprof_recorder.main import main  # noqa: E402

# The program's own directory takes sys.path[0], as `python SCRIPT` gives it.
sys.path.remove(_here)
if sys.path and sys.path[0] in ('', _here):
    del sys.path[0]

if __name__ == '__main__':
    sys.exit(main(preloaded=_preloaded))
