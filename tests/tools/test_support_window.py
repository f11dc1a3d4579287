"""Issue 30: the EKS support calendar on the run date ($PLATFORM_RUN_DATE fixes it), the support type on
the cluster, the support tier in ``cost``, and the upgrade of every stack to 1.35 (checked on a copy of
the stack files as they were before it)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from components.core.catalog.kubernetes import (
    EKS_SUPPORT_CALENDAR,
    RUN_DATE_ENV,
    SupportTier,
    support_tier,
)
from settings import config
from settings.config import ConfigError
from settings.stackfile import read_stack_file
from settings.stacks import Project, project_dir
from tests.conftest import STACKS, stack_run
from tests.tools.eks_1_34 import old_stack_text, write_old_stack_files
from tools import cli
from tools.preview import runner
from tools.review import cost

DAY = dt.date(2026, 12, 6)
END_OF_STANDARD_1_35 = EKS_SUPPORT_CALENDAR["1.35"].end_of_standard
assert END_OF_STANDARD_1_35 is not None


def _raw(text: str, tmp_path: Path, stack: str) -> dict[str, str]:
    write_dir = tmp_path / "read"
    write_dir.mkdir(exist_ok=True)
    (write_dir / f"Pulumi.{stack}.yaml").write_text(text)
    shutil.copy(project_dir(Project.PLATFORM) / "Pulumi.yaml", write_dir / "Pulumi.yaml")
    return read_stack_file(stack, write_dir).config


def _with_support_type(raw: dict[str, str], support_type: str) -> dict[str, str]:
    cluster = json.loads(raw["platform:cluster"])
    cluster["supportType"] = support_type
    return {**raw, "platform:cluster": json.dumps(cluster)}


def _project_copy(tmp_path: Path, platform_files: dict[str, str]) -> Path:
    """A project directory of both projects (this tree's programs) with these platform stack files."""
    root = tmp_path / "project"
    for project in Project:
        source, directory = project_dir(project), project_dir(project, root)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "Pulumi.yaml").write_text(f"name: {project.value}\nmain: {runner.program_dir(source)}\n")
        for stack_file in source.glob("Pulumi.*.yaml"):
            shutil.copy(stack_file, directory / stack_file.name)
    for stack, text in platform_files.items():
        (project_dir(Project.PLATFORM, root) / f"Pulumi.{stack}.yaml").write_text(text)
    shutil.copy(runner.ROOT / "stacks.yaml", root / "stacks.yaml")  # the stack registry
    return root


# --- the calendar -------------------------------------------------------------------------------------


def test_the_calendar_has_every_offered_version_with_its_sources():
    from components.core.catalog.services import EKS_KUBERNETES_VERSIONS

    for version in EKS_KUBERNETES_VERSIONS:
        window = EKS_SUPPORT_CALENDAR[version]
        assert window.source, version
        assert window.read == DAY
    assert EKS_SUPPORT_CALENDAR["1.34"].end_of_standard == dt.date(2026, 12, 2)
    assert support_tier("1.34", DAY) is SupportTier.EXTENDED
    assert support_tier("1.35", DAY) is SupportTier.STANDARD
    assert support_tier("1.36", DAY) is SupportTier.UNKNOWN  # no calendar row read: not invented


# --- validation on the run date -----------------------------------------------------------------------


def test_prod_left_on_1_34_exits_2_on_2026_12_06_naming_the_key_and_the_end_date(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv(RUN_DATE_ENV, "2026-12-06")
    root = _project_copy(tmp_path, {"prod": old_stack_text("prod")})
    code = cli.main(["preview", "--stack", "prod", "--root", str(root), "--no-cache"])
    _, err = capsys.readouterr()
    assert code == 2
    line = next(x for x in err.splitlines() if "platform:cluster.kubernetesVersion" in x)
    assert "1.34 left EKS standard support on 2026-12-02" in line
    assert "supportType: EXTENDED" in line
    assert "Traceback" not in err


def test_prod_on_1_34_that_accepts_extended_support_loads_with_a_warning(tmp_path):
    raw = _with_support_type(_raw(old_stack_text("prod"), tmp_path, "prod"), "EXTENDED")
    settings = config.parse(raw, "prod", today=DAY)
    errors, warnings = config.guardrails.support_window(settings.config, DAY)
    assert errors == []
    ((key, message),) = warnings
    assert key == "cluster.kubernetesVersion"
    assert "billed extended support until 2027-12-02" in message


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_other_tiers_left_on_1_34_warn_instead(tmp_path, stack):
    settings = config.parse(_raw(old_stack_text(stack), tmp_path, stack), stack, today=DAY)
    errors, warnings = config.guardrails.support_window(settings.config, DAY)
    assert errors == []
    assert "AWS upgrades the control plane itself" in warnings[0][1]


def test_a_version_past_extended_support_is_refused_in_every_tier(tmp_path):
    raw = _with_support_type(_raw(old_stack_text("dev"), tmp_path, "dev"), "EXTENDED")
    with pytest.raises(ConfigError) as error:
        config.parse(raw, "dev", today=dt.date(2027, 12, 2))
    assert "platform:cluster.kubernetesVersion: 1.34 left EKS extended support on 2027-12-02" in str(
        error.value
    )


def test_a_bad_run_date_is_a_config_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv(RUN_DATE_ENV, "06/12/2026")
    with pytest.raises(ConfigError) as error:
        config.parse(read_stack_file("dev", project_dir(Project.PLATFORM)).config, "dev")
    assert f"${RUN_DATE_ENV}: must be a date written YYYY-MM-DD" in str(error.value)


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_is_on_1_35_and_in_standard_support_on_the_run_date(stack):
    settings = config.parse(read_stack_file(stack, project_dir(Project.PLATFORM)).config, stack, today=DAY)
    assert settings.config.cluster is not None
    assert settings.config.cluster.kubernetes_version == "1.35"
    assert config.guardrails.support_window(settings.config, DAY) == ([], [])


def test_the_preview_warns_60_days_before_1_35_leaves_standard_support(monkeypatch, caplog):
    day = END_OF_STANDARD_1_35 - dt.timedelta(days=60)
    monkeypatch.setenv(RUN_DATE_ENV, day.isoformat())
    with caplog.at_level(logging.WARNING, logger="pulumi.offline"):
        runner.run_program(read_stack_file("dev", project_dir(Project.PLATFORM)), preview=True)
    warnings = [
        r.getMessage() for r in caplog.records if "platform:cluster.kubernetesVersion" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert f"1.35 leaves EKS standard support on {END_OF_STANDARD_1_35}, in 60 days" in warnings[0]


# --- the support type on the cluster ------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_preview_carries_the_support_type_and_every_part_follows_1_35(stack):
    resources = stack_run(stack, preview=True).resources
    (cluster,) = [r for r in resources if r.type == "aws:eks/cluster:Cluster"]
    assert cluster.inputs["upgradePolicy"] == {"supportType": "STANDARD"}
    assert cluster.inputs["version"] == "1.35"
    groups = [r for r in resources if r.type == "aws:eks/nodeGroup:NodeGroup"]
    assert groups
    assert {g.inputs["version"] for g in groups} == {"1.35"}
    addons = {
        r.inputs["addonName"]: r.inputs["addonVersion"] for r in resources if r.type == "aws:eks/addon:Addon"
    }
    assert addons["kube-proxy"].startswith("v1.35.")
    (autoscaler,) = [
        r
        for r in resources
        if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "cluster-autoscaler"
    ]
    assert autoscaler.inputs["values"]["image"]["tag"].startswith("v1.35.")


# --- cost prices the support tier on the run date ------------------------------------------------------


def _cluster_document(version: str, upgrade_policy: dict[str, str] | None) -> list[dict[str, Any]]:
    inputs: dict[str, Any] = {"version": version}
    if upgrade_policy is not None:
        inputs["upgradePolicy"] = upgrade_policy
    urn = "urn:pulumi:prod::platform::platform:cluster:EksCluster$aws:eks/cluster:Cluster::prod-cluster"
    return [
        {
            "urn": urn,
            "type": "aws:eks/cluster:Cluster",
            "name": "prod-cluster",
            "parent": None,
            "inputs": inputs,
        }
    ]


@pytest.mark.parametrize(
    ("policy", "usd", "says"),
    [
        (
            {"supportType": "EXTENDED"},
            0.60 * 730,
            "EXTENDED support on 2026-12-06 since 2026-12-02 (extended rate)",
        ),
        (None, 0.60 * 730, "EXTENDED support on 2026-12-06"),  # the old cluster set no policy: AWS's default
        ({"supportType": "STANDARD"}, 0.10 * 730, "supportType STANDARD, AWS upgrades it"),
    ],
)
def test_cost_prices_a_cluster_left_on_1_34_at_its_tier_on_the_run_date(policy, usd, says):
    estimate = cost.estimate("prod", _cluster_document("1.34", policy), cost.load_prices(), today=DAY)
    (line,) = estimate.lines
    assert line.monthly_usd == pytest.approx(usd)
    assert says in line.description
    assert estimate.as_json()["support_tier_on"] == "2026-12-06"


def test_the_cost_command_says_the_tier_and_the_day_it_priced(capsys, shared_runs, monkeypatch):
    monkeypatch.setenv(RUN_DATE_ENV, "2026-12-06")
    assert cli.main(["cost", "--stack", "prod", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    (line,) = [x for x in document["lines"] if x["type"] == "aws:eks/cluster:Cluster"]
    assert line["monthly_usd"] == pytest.approx(73.0)
    assert "Kubernetes 1.35: standard support on 2026-12-06 until 2027-03-27" in line["description"]
    assert document["support_tier_on"] == "2026-12-06"


# --- the upgrade, checked on the stack files before it ------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_upgrade_check_to_1_35_passed_on_the_stack_files_before_the_bump(
    stack, tmp_path, capsys, shared_runs, monkeypatch
):
    monkeypatch.setenv(RUN_DATE_ENV, "2026-12-06")
    old = write_old_stack_files(tmp_path / "before", (stack,))
    code = cli.main(["upgrade-check", "--stack", stack, "--to", "1.35", "--stack-dir", str(old), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, [f for f in report["findings"] if f["severity"] == "blocks"]
    assert report["from"] == "1.34"
    support = [f for f in report["findings"] if f["area"] == "support"]
    assert support[0]["severity"] == "warns"
    assert "extended support since 2026-12-02" in support[0]["message"]


def test_the_old_copy_differs_from_this_tree_only_in_the_bump():
    before, now = old_stack_text("prod"), (project_dir(Project.PLATFORM) / "Pulumi.prod.yaml").read_text()
    changed = [line for line in now.splitlines() if line not in before.splitlines()]
    assert any("supportType: STANDARD" in line for line in changed)
    assert len(changed) == 8  # version, supportType, five EKS add-ons, the autoscaler chart
