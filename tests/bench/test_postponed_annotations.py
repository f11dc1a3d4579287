"""The SDK proposal 1 experiment compiles only the SDKs' type modules, with postponed annotations, once."""

from __future__ import annotations

from pathlib import Path

from tests.bench import scripts

PROBE = """
import pulumi_aws.budgets as budgets, pulumi_aws.budgets._inputs as inputs, pulumi_aws.budgets.budget as budget
print(type(inputs.BudgetNotificationArgs.__init__.__annotations__["comparison_operator"]).__name__)
print(type(budget.BudgetArgs.__init__.__annotations__["budget_type"]).__name__)
"""


def _probe(cache: Path, tmp_path: Path) -> list[str]:
    return scripts.run_probe("postponed_annotations", cache, PROBE, tmp_path).split()


def test_type_modules_get_string_annotations_the_rest_stays_as_shipped_and_the_code_is_cached(tmp_path):
    cache = tmp_path / "cache"
    assert _probe(cache, tmp_path) == ["str", "_UnionGenericAlias"]  # _inputs postponed, budget as shipped
    compiled = {p: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert len(compiled) == 4  # _inputs and outputs of pulumi_aws itself and of budgets
    assert _probe(cache, tmp_path) == ["str", "_UnionGenericAlias"]
    assert {p: p.stat().st_mtime_ns for p in cache.iterdir()} == compiled  # loaded, not compiled again
