"""The Flask blueprints, one module per area of the app.

Import rule: a view imports ``service.web`` modules other than views, ``service.store``,
``service.reports`` and named ``service.pipeline`` entry points; never ``sqlalchemy`` and never
another view.
"""
