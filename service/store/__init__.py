"""The store: the only home of SQLAlchemy code (models, engine and migrations, upserts, reads, result writes).

Every write to the database goes through a module here: responses and their versions
(``responses``), ingest runs and quarantine (``runs``), QR sites (``sites``), the QR form's insert
(``form_insert``), the audit log (``audit``), staff users and API clients (``accounts``), review
queues (``reviews``); ``reads`` gives stored responses as DataFrames. Import rule: store imports its own
modules, the models, pandas and the pure packages' public names; never Flask, ``service.web``,
``service.reports``, ``service.pipeline`` or ``service.ops``.
"""
