"""The WSGI entry point for production servers: ``gunicorn 'service.wsgi:app'``.

It builds the app from ``config.toml`` and the environment, then moves every object loaded so far
(the app and its libraries) into Python's permanent generation with :func:`gc.freeze`. The
garbage collector then no longer walks them on a full collection, which over the 250,000 objects
a worker held when it also loaded scikit-learn and spaCy took about 120 ms: a pause for whichever
request set it off (bench/RESULTS.md, "form"). Objects made later, by requests, are collected as
usual.

Before freezing, it warms the screen: form submissions are redacted and screened for
safeguarding as they are stored (``service.pipeline.screening``), which loads spaCy's word lists,
the sentence encoder and the disclosure detector (about 130 MB and a few seconds, once per
worker); done here, no resident's submission waits for it. The encoder takes one thread per
worker, so several workers on one machine do not fight over its cores.
"""

from __future__ import annotations

import gc

from nlp.encoder import configure
from service import create_app
from service.pipeline.screening import warm_up

configure(threads=1)
app = create_app()
warm_up()
gc.freeze()
