"""`python -m tools diff` refuses a change that moves the cluster more than one minor up, or down, from the
base revision (what main last deployed): the two previews are the session's, with the version edited."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace
from typing import Any

import pytest

from tools.cli import main
from tools.review import snapshot


def _with_version(document: dict[str, Any], version: str) -> dict[str, Any]:
    edited = copy.deepcopy(document)
    for resource in edited["resources"]:
        if resource["type"] == "aws:eks/cluster:Cluster":
            resource["inputs"]["version"] = version
    return edited


@pytest.fixture
def diff_of(documents, monkeypatch, capsys):
    def run(before: str, after: str, *form: str) -> tuple[int, str, str]:
        base = SimpleNamespace(document=_with_version(documents["prod"], before))
        head = SimpleNamespace(document=_with_version(documents["prod"], after))
        monkeypatch.setattr(snapshot, "toplevel", lambda path: path)
        monkeypatch.setattr(snapshot, "previews", lambda *a, **k: (base, head))
        code = main(["diff", "--stack", "prod", "--base", "main", *form])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_skipping_a_minor_is_refused_with_exit_4_in_every_form(diff_of):
    code, out, _ = diff_of("1.34", "1.36")
    assert code == 4
    assert "refused: platform:cluster.kubernetesVersion: 1.34 -> 1.36 skips a minor" in out
    code, out, _ = diff_of("1.34", "1.36", "--markdown")
    assert code == 4
    assert "**Refused:**" in out
    code, out, _ = diff_of("1.34", "1.36", "--json")
    assert code == 4
    assert "skips a minor" in json.loads(out)["refused"][0]


def test_a_downgrade_is_refused_and_one_minor_up_is_not(diff_of):
    code, _, err = diff_of("1.35", "1.34")
    assert code == 4
    assert "cannot be downgraded" in err
    code, out, _ = diff_of("1.34", "1.35", "--json")
    assert code == 0
    assert json.loads(out)["refused"] == []
