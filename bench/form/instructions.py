"""Count the CPU instructions one QR form POST costs in-process, under valgrind: the same count on a busy machine.

Usage (from the repository root; needs valgrind, a Debian package):

    python bench/form/instructions.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test [--n 200] [--tree DIR] [--bare]

Throughput and CPU time on this shared 2-core VM swing by 20% from one run to the next, so a change
of a few per cent cannot be told from noise that way. Callgrind counts instructions instead. The
app (from ``--tree``, default this checkout, to compare before/after a change) runs in one process
with the Flask test client and every guard on, on a fresh PostgreSQL schema; instrumentation is
switched on only around ``--n`` POSTs, after 50 unmeasured ones, and the count is divided by
``--n``. The count covers our process only (the app and the test client; not PostgreSQL, not
gunicorn). ``--bare`` counts the bare-insert baseline of ``bench/form/apps.py`` instead.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WARM_UP = 50


def _child(tree: Path, database: str, n: int, is_bare: bool) -> None:
    """Run inside valgrind: set up, then switch instrumentation on around the measured POSTs."""
    os.chdir(tree)
    sys.path.insert(0, str(tree))
    os.environ.setdefault("VOICE_SECRET_KEY", "instructions-secret-0123456789")
    os.environ.update(VOICE_LIMITS_FORM_PER_CLIENT="100000 per minute", VOICE_LIMITS_FORM_PER_SITE="100000 per minute")
    # From the measured tree's own bench/form/run.py, which an older checkout has in this form too
    # (not its later helpers form_tokens and in_process_form_app).
    from bench.form.run import ANSWER, _fresh_database, _prepare

    url, drop = _fresh_database(database)
    try:
        code = _prepare(url)
        os.environ["VOICE_DATABASE_URL"] = url
        from dataclasses import replace

        from service import create_app
        from service.config import load_config

        config = load_config()
        app = create_app(replace(config, form=replace(config.form, min_seconds=0)))
        client = app.test_client()
        if is_bare:
            from bench.form.apps import bare_app

            bare = bare_app().test_client()
            post = lambda _fields: bare.post("/insert", data={"safe_here": "2"})  # noqa: E731
        else:
            post = lambda fields: client.post(f"/q/{code}", data={**ANSWER, **fields})  # noqa: E731
        forms = []
        for _ in range(WARM_UP + n):
            page = client.get(f"/q/{code}").get_data(as_text=True)
            forms.append({k: re.search(rf'name="{k}" value="([^"]+)"', page).group(1) for k in ("csrf_token", "token")})
        for i, fields in enumerate(forms):
            if i == WARM_UP:
                subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], capture_output=True, check=True)
            status = post(fields).status_code
            if status not in (204, 303):
                raise RuntimeError(f"POST {i} answered {status}")
        subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], capture_output=True, check=True)
        app.extensions["voice_engine"].dispose()
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="PostgreSQL SQLAlchemy URL; a fresh schema is used")
    parser.add_argument("--n", type=int, default=200, help="POSTs measured (after 50 unmeasured)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose app is measured")
    parser.add_argument("--bare", action="store_true", help="measure the bare insert of bench/form/apps.py instead")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.tree.resolve(), args.database, args.n, args.bare)
        return
    with tempfile.TemporaryDirectory(prefix="voice-callgrind-") as folder:
        out = Path(folder) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", sys.executable,
                   __file__, "--child", "--database", args.database, "--n", str(args.n), "--tree", str(args.tree)]
        done = subprocess.run(command + (["--bare"] if args.bare else []), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"valgrind run failed ({done.returncode}):\n{done.stderr[-3000:]}")
        summary = re.search(r"^totals:\s+(\d+)", out.read_text(errors="replace"), re.MULTILINE)
        if summary is None:
            raise SystemExit(f"no instruction total in {out}")
    what = "bare insert" if args.bare else f"form POST ({args.tree})"
    print(f"{what}: {int(summary.group(1)) / args.n / 1e6:.3f} million instructions per request in-process "
          f"(mean of {args.n}, after {WARM_UP} unmeasured)")


if __name__ == "__main__":
    main()
