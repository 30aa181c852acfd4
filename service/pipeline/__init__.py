"""The pipeline: glue between the pure packages (``ingest``, ``weights``, ``nlp``) and the store.

Ingest runs, form submissions, quarantine, weighting runs, text runs, folder watching and the
period arithmetic (``periods``) every layer shares. Import rule: pipeline imports ``service.store``,
``service.config`` and the pure packages; never Flask, ``service.web``, ``service.reports``,
``service.ops`` or ``service.cli``.
"""
