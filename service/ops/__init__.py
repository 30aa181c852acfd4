"""Operations: backup and restore, retention, erasure, and the scheduler that runs jobs.

Import rule: ops imports ``service.store`` (and the scheduler the pipeline and report jobs it
runs); never Flask or ``service.web``.
"""
