"""The web layer: Flask only (access, security headers, limits, errors, OpenAPI, shared page parts, views).

Import rule: web imports ``service.store``, ``service.reports`` and named ``service.pipeline``
entry points, never ``sqlalchemy``; no view imports another view (what several views share lives
in ``service.web.pages``).
"""
