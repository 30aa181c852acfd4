"""Reports: read-only figures, dashboard queries, briefings, SNA exports, charts, posters and labels.

Nothing here writes a response or fits a model; pages and exports share these functions so their
numbers agree. Import rule: reports reads through ``service.store`` and may use
``service.pipeline.periods``; it never imports Flask, ``service.web``, ``service.ops`` or
``service.cli`` (writing an archived report file goes through ``service.store``).
"""
