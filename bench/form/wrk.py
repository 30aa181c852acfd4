"""Drive wrk (the Debian package ``wrk``) with pre-generated, distinct POST requests.

Each request is sent exactly once (``submit.lua``); the run ends when every request has been
answered or after ``seconds``, whichever comes first. wrk is one C process on an event loop, so
it takes far less of a small machine's CPU than Python client threads do.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "submit.lua"


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run reported: requests sent and answered, statuses, time and latency."""

    n_sent: int
    n_answered: int
    sent_by_thread: tuple[int, ...]
    statuses: dict[int, int]
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]

    def sent_lines(self, n_lines: int) -> list[int]:
        """The indexes of the request lines sent (thread k of T sends lines k, k+T, ... in order)."""
        n_threads = len(self.sent_by_thread)
        mine = [list(range(k, n_lines, n_threads)) for k in range(n_threads)]
        return sorted(i for k, n in enumerate(self.sent_by_thread) for i in mine[k][:n])


def run_wrk(base: str, path: str, lines: list[tuple[str, str]], *, connections: int, threads: int = 1,
            seconds: float = 60, timeout: float = 10, think_ms: float = 0) -> WrkResult:
    """POST each ``(cookie, body)`` of ``lines`` once to ``base + path`` over ``connections`` connections.

    With ``think_ms`` each connection waits 0.5 to 1.5 times that long (uniformly) after an answer
    before it sends its next request, as people pause; without, it sends at once (saturation).
    """
    executable = shutil.which("wrk")
    if executable is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk (or run with --load python)")
    if any("\t" in c or "\n" in c or "\t" in b or "\n" in b for c, b in lines):
        raise ValueError("cookies and bodies must not contain tabs or newlines (send them URL-encoded)")
    with tempfile.TemporaryDirectory(prefix="voice-wrk-") as folder:
        bodies = Path(folder) / "bodies.txt"
        bodies.write_text("".join(f"{cookie}\t{body}\n" for cookie, body in lines))
        command = [executable, "-t", str(threads), "-c", str(connections), "-d", f"{int(seconds)}s",
                   "--timeout", f"{int(timeout)}s", "-s", str(SCRIPT), base, "--", str(bodies), path, str(threads),
                   str(think_ms)]
        finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    report = next((line for line in finished.stdout.splitlines() if line.startswith("voice-bench ")), None)
    if finished.returncode != 0 or report is None:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr.strip() or finished.stdout.strip()}")
    fields = dict(part.split("=", 1) for part in report.split()[1:])
    statuses = {int(code): int(n) for code, n in (p.split(":") for p in fields["statuses"].split(",") if p)}
    return WrkResult(
        n_sent=int(fields["sent"]), n_answered=int(fields["answered"]),
        sent_by_thread=tuple(int(n) for n in fields["sent_by_thread"].split(",")), statuses=statuses,
        seconds=float(fields["seconds"]), p50_ms=float(fields["p50_ms"]), p90_ms=float(fields["p90_ms"]),
        p99_ms=float(fields["p99_ms"]), max_ms=float(fields["max_ms"]),
        errors={k: int(fields[k]) for k in ("connect_errors", "read_errors", "write_errors", "timeouts")})
