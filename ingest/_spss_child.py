"""The SPSS reader's child process: parse one ``.sav`` file with pyreadstat and send it down a pipe.

:mod:`ingest.spss` runs this file as a script (``python -P _spss_child.py FILE CHUNK_ROWS FD``) so
that a crash inside ReadStat's C parser ends this process, not the caller's. It imports nothing
from ``ingest``, only pyreadstat, so it starts quickly. Messages sent on the pipe ``FD``, in order:

* ``("header", column_names, n_rows, labels)``, ``labels`` the variable labels (question wording)
  by variable name;
* ``("rows", offset, rows)`` for each chunk of ``CHUNK_ROWS`` rows (value labels applied), where
  ``rows`` is a list of tuples and ``offset`` counts the rows before the chunk;
* ``("end",)``.

A file pyreadstat refuses gives ``("refused", offset, message)`` instead, with offset ``None`` when
the header is refused. The child stops quietly when the parent closes its end of the pipe.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection

import pyreadstat


def send_file(path: str, chunk_rows: int, sender: Connection) -> None:
    """Send the header and then the rows of the file at ``path``, ``chunk_rows`` at a time."""
    try:
        _, meta = pyreadstat.read_sav(path, metadataonly=True)
    except pyreadstat.ReadstatError as error:
        sender.send(("refused", None, str(error)))
        return
    labels = {str(k): str(v) for k, v in (meta.column_names_to_labels or {}).items() if v}
    sender.send(("header", list(meta.column_names), meta.number_rows, labels))
    offset = 0
    while True:
        try:
            frame, _ = pyreadstat.read_sav(path, row_offset=offset, row_limit=chunk_rows,
                                           apply_value_formats=True, formats_as_category=False)
        except pyreadstat.ReadstatError as error:
            sender.send(("refused", offset, str(error)))
            return
        if not frame.empty:
            # send() waits while the pipe is full, so the child stays at most a chunk ahead of the parent.
            sender.send(("rows", offset, list(frame.itertuples(index=False, name=None))))
        if len(frame) < chunk_rows:
            sender.send(("end",))
            return
        offset += chunk_rows


def main(argv: list[str]) -> None:
    """Read ``FILE CHUNK_ROWS FD`` from ``argv`` and send the file down the pipe ``FD``."""
    path, chunk_rows, descriptor = argv
    sender = Connection(int(descriptor), readable=False)
    try:
        send_file(path, int(chunk_rows), sender)
    except BrokenPipeError:
        pass  # the parent stopped reading: a mapping error, or its caller closed the records early
    finally:
        sender.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # all is sent: skip the interpreter's teardown, a quarter of a second with pandas loaded


if __name__ == "__main__":
    main(sys.argv[1:])
