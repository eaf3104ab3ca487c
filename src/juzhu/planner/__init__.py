"""The remedy planner: from a person's situation to a plan (docs/planner.md).

Pure Python on top of ``juzhu.domain`` and ``juzhu.rules``; no Django.
"""

from juzhu.planner.plan import make_plan
from juzhu.planner.situation import Situation, SituationError, parse_situation

__all__ = ["Situation", "SituationError", "make_plan", "parse_situation"]
