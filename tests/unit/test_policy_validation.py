"""Each broken policy file in tests/policies_broken is refused with a message naming the
file, the key path and the problem. The expected path and message are written at the top of
each file (``# expect-path:`` and ``# expect:``) so a policy editor can add cases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from juzhu.rules.loader import POLICY_ROOT, check_policies

BROKEN = Path(__file__).resolve().parent.parent / "policies_broken"


def _expectations(path: Path) -> tuple[str, str]:
    header = dict(
        line[2:].split(": ", 1)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# expect")
    )
    return header["expect-path"], header["expect"]


@pytest.fixture()
def policy_tree(tmp_path: Path) -> Path:
    root = tmp_path / "policies"
    shutil.copytree(POLICY_ROOT, root)
    return root


def test_the_bundled_policies_are_valid() -> None:
    policies, problems = check_policies()
    assert problems == []
    assert policies is not None
    assert {
        "national",
        "beijing",
        "shanghai",
        "shenzhen",
        "guangzhou",
        "hangzhou",
        "chengdu",
    } <= set(policies.ids())


@pytest.mark.parametrize("broken", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_broken_policy_file_is_refused_with_file_path_and_reason(
    policy_tree: Path, broken: Path
) -> None:
    expected_path, expected_message = _expectations(broken)
    (policy_tree / "testcity").mkdir()
    shutil.copy(broken, policy_tree / "testcity" / "policy.yaml")
    policies, problems = check_policies(policy_tree)
    assert policies is None
    matching = [
        p for p in problems if p.file == "policies/testcity/policy.yaml" and p.path == expected_path
    ]
    assert matching, f"expected a problem at {expected_path}, got: {[str(p) for p in problems]}"
    assert any(expected_message in p.message for p in matching), [p.message for p in matching]


def test_national_baseline_missing_a_parameter_is_refused(policy_tree: Path) -> None:
    for path in (policy_tree / "national").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "fees" in (data.get("parameters") or {}):
            del data["parameters"]["fees"]
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _, problems = check_policies(policy_tree)
    assert any(
        p.path == "parameters.fees" and "national baseline must set every parameter" in p.message
        for p in problems
    ), [str(p) for p in problems]


def test_inheritance_loop_is_refused(policy_tree: Path) -> None:
    for name, parent in (("loop_a", "loop_b"), ("loop_b", "loop_a")):
        (policy_tree / name).mkdir()
        (policy_tree / name / "policy.yaml").write_text(
            f"id: {name}\nparent: {parent}\nlevel: city\nname: {{zh: 环, en: Loop}}\n",
            encoding="utf-8",
        )
    _, problems = check_policies(policy_tree)
    assert any("loops back" in p.message for p in problems)
