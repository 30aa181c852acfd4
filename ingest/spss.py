"""SPSS ``.sav`` reader: pyreadstat in chunks, in a child process, with value labels applied.

pyreadstat parses ``.sav`` files with ReadStat, a C library. Some damaged files make it read out of
bounds and die with a segmentation fault, which no ``try`` can catch: in our own process it would
kill the whole ingest (the CLI, the scheduler or a web worker). So all parsing happens in a child
process, a fresh interpreter running ``ingest/_spss_child.py``, and the rows come back over a pipe
(a :class:`multiprocessing.connection.Connection`), one chunk at a time:

* a crash anywhere, in the header or in the rows, ends only the child. The parent sees the pipe
  close, reads the child's exit code and raises :class:`SourceUnavailable` naming the file, the
  signal and where the read had got to.
* memory stays bounded: the child reads ``chunk_rows`` rows and cannot send more until the parent
  has taken them, so each process holds about one chunk at a time.
* a good file costs one interpreter start (Python, pandas and pyreadstat: a few tenths of a second)
  and pickling the rows through the pipe; the child reads the next chunk while the parent maps
  this one. Reading the rows in-process after checking only the header in a child would save the
  pickling but would leave the process exposed to crashes in ReadStat's row parsing.

The child is started with :mod:`subprocess` rather than multiprocessing's "spawn" method, because
spawn re-runs the caller's ``__main__`` script in the child (a script without an
``if __name__ == "__main__":`` guard fails) and imports the whole package; forking instead is unsafe
in a process running threads (the web server, the scheduler). The pipe is handed over with
``pass_fds`` (POSIX only).
Files that do not start with the ``.sav`` signature are refused before any child is started.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import subprocess  # nosec B404
import sys
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ingest.columns import (
    HeaderCheck,
    ReadNotes,
    check_columns,
    compile_patterns,
    find_extra_columns,
    row_kind,
    row_record,
    unique_header,
)
from ingest.errors import SourceUnavailable
from ingest.options import FileOptions
from ingest.records import RawRecord

logger = logging.getLogger(__name__)

# "$FL2" starts a .sav file, "$FL3" a compressed .zsav one (ReadStat checks the same four bytes).
SIGNATURES = (b"$FL2", b"$FL3")
_CHILD = Path(__file__).with_name("_spss_child.py")


def read_sav_records(path: Path, id_column: str, required: tuple[str, ...], known: tuple[str, ...],
                     options: FileOptions, notes: ReadNotes, check: HeaderCheck | None = None) -> Iterator[RawRecord]:
    """Yield one raw record per case of an SPSS file; columns are variable names.

    Value labels are applied (1 -> "Female"), so the mapping sees the labels a person would.
    A child process reads ``options.chunk_rows`` rows at a time with ``row_offset``/``row_limit``
    and sends them over a pipe (see the module docstring for why).

    Raises
    ------
    SourceUnavailable
        The file is missing, not a ``.sav`` file or damaged, or the SPSS parser crashed on it.
    MappingError
        A required variable is absent.
    """
    if not path.is_file():
        raise SourceUnavailable(f"{path}: file not found")
    with path.open("rb") as handle:
        start = handle.read(4)
    if start not in SIGNATURES:
        raise SourceUnavailable(f"{path.name}: not an SPSS .sav file (it starts with {start!r}, a .sav file with "
                                "b'$FL2' or b'$FL3'); export it again from SPSS as a .sav file")
    process, receiver = _start_reader(path, options.chunk_rows)
    try:
        message = _receive(path, process, receiver, "the header")
        if message[0] == "refused":
            raise SourceUnavailable(f"{path.name}: not a readable SPSS .sav file ({message[2]}); export it again")
        column_names, n_rows = message[1], message[2]
        notes.column_labels = dict(message[3]) if len(message) > 3 else {}
        header = unique_header(list(column_names))  # a damaged file can hold unnamed variables (None)
        if check is not None:
            check(tuple(header))
        check_columns(path.name, header, (id_column, *required))
    except BaseException:
        _stop_reader(process, receiver, is_done=False)
        raise
    notes.columns = tuple(header)
    notes.extra_columns = find_extra_columns(header, known) if known else ()
    notes.n_rows_estimate = n_rows
    return _sav_rows(path, process, receiver, header, id_column, notes, options)


def _sav_rows(path: Path, process: subprocess.Popen[bytes], receiver: Connection, header: list[str],
              id_column: str, notes: ReadNotes, options: FileOptions) -> Iterator[RawRecord]:
    """The cases as raw records; blank, skipped (``skip_rows``, ``skip_patterns``) and summary rows are noted, as in CSV."""
    skip, summary = compile_patterns(options.skip_patterns), compile_patterns(options.summary_patterns)
    is_done = False
    n_received = 0
    try:
        while True:
            message = _receive(path, process, receiver, f"the rows from row {n_received + 2}")
            if message[0] == "end":
                is_done = True
                return
            if message[0] == "refused":
                raise SourceUnavailable(f"{path.name} row {message[1] + 2}: the file stops or is damaged here "
                                        f"({message[2]})")
            _, offset, rows = message
            n_received = offset + len(rows)
            for i, values in enumerate(rows):
                row_number = offset + i + 2  # as a spreadsheet would show it, under a header row
                cells = [None if isinstance(v, float) and math.isnan(v) else v for v in values]
                kind, text = row_kind(cells, row_number, options.skip_rows, skip, summary)
                if notes.take(kind, row_number, text):
                    yield row_record(path.name, row_number, header, cells, id_column)
    finally:
        _stop_reader(process, receiver, is_done)


def _start_reader(path: Path, chunk_rows: int) -> tuple[subprocess.Popen[bytes], Connection]:
    read_end, write_end = os.pipe()
    try:
        # Our own interpreter on our own script, no shell. -P: the script's folder (ingest/) is not put
        # on sys.path, so its modules shadow nothing.
        command = [sys.executable, "-P", str(_CHILD), str(path), str(chunk_rows), str(write_end)]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, pass_fds=(write_end,))  # nosec B603
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)  # the child holds the only writing end now, so its death closes the pipe
    return process, Connection(read_end, writable=False)


def _receive(path: Path, process: subprocess.Popen[bytes], receiver: Connection, where: str) -> tuple[Any, ...]:
    try:
        return receiver.recv()
    except EOFError:
        pass  # the pipe closed with no message: the child has ended, or is ending
    try:
        exit_code: int | None = process.wait(10)
    except subprocess.TimeoutExpired:
        exit_code = None
    raise SourceUnavailable(_describe_death(path, exit_code, where))


def _describe_death(path: Path, exit_code: int | None, where: str) -> str:
    if exit_code is not None and exit_code < 0:
        try:
            name = f" ({signal.Signals(-exit_code).name})"
        except ValueError:
            name = ""
        return (f"{path.name}: pyreadstat stopped with signal {-exit_code}{name} while reading {where}; the file "
                "looks damaged. Export the file again from SPSS")
    # Not a crash: the child's error output (inherited, so in this process's log) says what went wrong.
    return f"{path.name}: the SPSS reader stopped with exit code {exit_code} while reading {where}; see its error output"


def _stop_reader(process: subprocess.Popen[bytes], receiver: Connection, is_done: bool) -> None:
    receiver.close()
    if not is_done:  # stopped early (an error, or the caller closed the records): the child may be mid-read
        process.kill()
    process.wait()

