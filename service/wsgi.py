"""The WSGI entry point for production servers: ``gunicorn 'service.wsgi:app'``.

It builds the app from ``config.toml`` and the environment, then moves every object loaded so far
(the app and its libraries: SQLAlchemy, pandas, scikit-learn, spaCy; about 250,000 objects) into
Python's permanent generation with :func:`gc.freeze`. The garbage collector then no longer walks
them: a full collection over them took about 120 ms, a pause for whichever request set it off,
which was most of the form's p99 latency (bench/RESULTS.md, "form"). Objects made later, by
requests, are collected as usual.
"""

from __future__ import annotations

import gc

from service import create_app

app = create_app()
gc.freeze()
