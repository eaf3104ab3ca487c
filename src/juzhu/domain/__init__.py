"""Pure domain core: vocabulary, states and transitions, days and periods, continuity.

Nothing here imports Django (enforced by import-linter, see pyproject.toml).
"""
