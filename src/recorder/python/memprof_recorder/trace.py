"""The trace file: NDJSON events written as the program runs, and the header written last.

Events are built as text by the recorder (no dicts or lists per event: the recorder must not
allocate what would count in the program's collector), buffered, and appended to a temporary
file; at the end the header line (which holds what only the end knows: the census, the gc
figures, the source text) is written first into the final file and the events are copied after
it. Memory stays one buffer, whatever the length of the trace.
"""
import json
import os
import shutil

try:
    from _json import encode_basestring_ascii as _c_quote
except ImportError:  # pragma: no cover - pure-Python json
    _c_quote = None

# The buffer is flushed to the events file past this many characters.
_FLUSH_AT = 1 << 20


def quote(text):
    """A JSON string literal for `text` (ASCII only, so the file is valid UTF-8 whatever it holds)."""
    if _c_quote is not None:
        return _c_quote(text)
    return json.dumps(text)


class TraceFile:
    def __init__(self, path):
        self.path = path
        self.events_path = path + '.events.tmp'
        self._file = open(self.events_path, 'w', encoding='utf-8', newline='\n')
        self._buffer = []
        self._chars = 0
        self.count = 0
        self.detached = False

    def event(self, line):
        """Appends one event, given as its JSON text without the line break."""
        self._buffer.append(line)
        self._buffer.append('\n')
        self.count += 1
        self._chars += len(line)
        if self._chars > _FLUSH_AT:
            self.flush()

    def events(self, lines):
        """Appends many events (a list of JSON texts) at once."""
        if not lines:
            return
        text = '\n'.join(lines)
        self._buffer.append(text)
        self._buffer.append('\n')
        self.count += len(lines)
        self._chars += len(text)
        if self._chars > _FLUSH_AT:
            self.flush()

    def flush(self):
        if self._buffer:
            self._file.write(''.join(self._buffer))
            self._buffer.clear()
            self._chars = 0

    def detach(self):
        """In a child process made by os.fork(): the trace is the parent's. What the child would write
        (its copy of the buffer included) goes to /dev/null, and the files are left to the parent."""
        self.detached = True
        self._buffer.clear()
        self._chars = 0
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, self._file.fileno())
        os.close(null)

    def finish(self, header):
        """Writes the header line, then the events, into the final file; removes the temporary one."""
        if self.detached:
            return
        self.flush()
        self._file.close()
        with open(self.path, 'wb') as out:
            out.write(json.dumps(header, ensure_ascii=True, separators=(',', ':')).encode('ascii'))
            out.write(b'\n')
            with open(self.events_path, 'rb') as events:
                shutil.copyfileobj(events, out, 1 << 20)
        os.remove(self.events_path)

    def abandon(self):
        if self.detached:
            return
        self._file.close()
        try:
            os.remove(self.events_path)
        except OSError:
            pass
