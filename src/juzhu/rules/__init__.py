"""Pure-Python policy engine: dated, cited policy data; validation; evaluation with a trace.

Nothing here imports Django (enforced by import-linter, see pyproject.toml).
"""
