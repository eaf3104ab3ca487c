"""``juzhu plan`` and ``juzhu example``: the remedy planner, no database needed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from juzhu.cli.common import Format, Lang, fail

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def plan(
    file: Annotated[Path, typer.Argument(help="situation JSON (docs/planner.md); - for stdin")],
    format: Annotated[
        Format, typer.Option("--format", help="text for a person, json for programs")
    ] = Format.text,
    lang: Annotated[Lang, typer.Option("--lang", help="zh (default) or en")] = Lang.zh,
) -> None:
    """Print the remedy plan for a situation."""
    from juzhu.planner import make_plan
    from juzhu.planner.render import render_text
    from juzhu.planner.situation import SituationError, load_situation_text
    from juzhu.rules.loader import load_policies

    if str(file) == "-":
        text = sys.stdin.read()
    else:
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            fail(f"{file}: 文件不存在 / file not found; check the path")
        except UnicodeDecodeError:
            fail(f"{file}: 不是 UTF-8 文本 / not UTF-8 text; save the file as UTF-8")
    policies = load_policies()
    try:
        situation = load_situation_text(text, policies.ids())
    except SituationError as exc:
        fail(f"{file}: {exc.message(lang.value)}")
    result = make_plan(situation, lang=lang.value, policies=policies)
    if format == Format.json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo(render_text(result))


def example(
    lang: Annotated[Lang, typer.Option("--lang")] = Lang.zh,
) -> None:
    """Print the plan for the bundled example situation (a rider in Shenzhen)."""
    plan(EXAMPLES / "shenzhen_cancelled.json", Format.text, lang)
