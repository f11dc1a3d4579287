"""The rollback acts first (Argo's undo, then healthy) and records after, inside three minutes of named
step budgets (components/apps/rollback_budget.py) that this test ties to the workflow file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from components.apps import rollback_budget
from components.apps.rules import ROLLBACK_BUDGET_SECONDS, budget_problems
from components.apps.spec import AppSpec, DeliverySpec
from components.core.tier import Tier
from tests.conftest import STACKS
from tests.pipeline.test_rollout_script import rollout
from tools import timing

ROOT = Path(__file__).resolve().parents[2]


def undo_job() -> dict[str, Any]:
    workflow = YAML(typ="safe").load((ROOT / rollback_budget.WORKFLOW).read_text())
    return workflow["jobs"][rollback_budget.JOB]


def test_every_step_of_the_undo_job_up_to_healthy_has_a_budget_in_order():
    names = [step.get("name") for step in undo_job()["steps"]]
    budgeted = [s.name for s in rollback_budget.STEPS] + [rollback_budget.WAIT_STEP]
    assert names == budgeted + list(rollback_budget.AFTER_HEALTHY)
    after = {s["name"]: s.get("if") for s in undo_job()["steps"][len(budgeted) :]}
    assert after == {
        "notify rolled back": "success()",
        "notify failed": "failure()",
        "notify cancelled": "cancelled()",
    }


def test_the_undo_job_builds_no_virtualenv_and_uses_only_the_scripts_and_kubectl():
    runs = " ".join(step.get("run", "") for step in undo_job()["steps"])
    assert "make" not in runs.split()
    assert "pip" not in runs
    assert "venv" not in runs
    assert "rollout.py undo" in runs
    assert "rollout.py wait" in runs


def test_main_records_the_image_the_undo_restored_then_the_stack_is_reconciled():
    workflow = YAML(typ="safe").load((ROOT / rollback_budget.WORKFLOW).read_text())
    record = workflow["jobs"]["record"]
    assert record["needs"] == "undo"
    assert record["env"]["TO"] == "${{ needs.undo.outputs.image || inputs.to }}"
    assert workflow["jobs"]["undo"]["outputs"]["image"] == "${{ steps.undo.outputs.image }}"
    assert workflow["jobs"]["deploy"]["needs"] == "record"


@pytest.mark.parametrize("stack", STACKS)
def test_timing_shows_the_workflow_total_from_named_steps_and_prod_fits_three_minutes(stack):
    document = timing.report(timing.load(stack))
    workflow = document["rollback_workflow"]
    named = [s for s in workflow["steps"] if isinstance(s["seconds"], int)]
    fixed = sum(s["seconds"] for s in named)
    assert fixed == rollback_budget.fixed_seconds()
    for name, service in document["services"].items():
        wait = workflow["services"][name]["wait_healthy_seconds"]
        assert service["rollback_workflow_seconds"] == fixed + wait
    assert workflow["total_seconds"] == max(
        s["rollback_workflow_seconds"] for s in document["services"].values()
    )
    if stack == "prod":
        assert workflow["total_seconds"] <= ROLLBACK_BUDGET_SECONDS == 180
    wait_timeout = next(s for s in undo_job()["steps"] if s["name"] == rollback_budget.WAIT_STEP)["run"]
    assert max(s["wait_healthy_seconds"] for s in workflow["services"].values()) <= int(
        wait_timeout.split()[-1]
    )


def test_prod_refuses_a_service_whose_whole_rollback_exceeds_three_minutes():
    slow = AppSpec.model_validate(
        {
            "image": "registry.example.com/product/mcp:v1.2.3@sha256:" + "1" * 64,
            "autoscaling": {"minReplicas": 4, "maxReplicas": 6},
            "strategy": {"type": "rolling", "minReadySeconds": 10},
        }
    )
    problems = budget_problems({"mcp": slow}, DeliverySpec(), Tier.PROD)
    messages = [m for key, m in problems if key == "apps.mcp.strategy" and "dispatch to healthy pods" in m]
    assert messages, problems
    assert "rollback.yml" in messages[0]
    assert budget_problems({"mcp": slow}, DeliverySpec(), Tier.DEV) == []


class Cluster:
    """A fake kubectl with one workload and its ReplicaSets; records patches."""

    def __init__(self, kind: str, revisions: dict[int, str]) -> None:
        self.kind, self.patches = kind, []
        annotation = rollout.REVISION[kind]
        label = rollout.HASH_LABEL[kind]
        self.replicasets = [
            {
                "metadata": {
                    "annotations": {annotation: str(revision)},
                    "ownerReferences": [{"kind": kind, "name": "gateway", "controller": True}],
                },
                "spec": {
                    "template": {
                        "metadata": {"labels": {"app": "gateway", label: f"h{revision}"}},
                        "spec": {"containers": [{"name": "app", "image": image}]},
                    }
                },
            }
            for revision, image in revisions.items()
        ]

    def __call__(self, args: list[str]) -> str:
        if args[:2] == ["get", "rollouts.argoproj.io"]:
            if self.kind != "Rollout":
                raise RuntimeError("NotFound")
            return "rollout.argoproj.io/gateway"
        if args[:2] == ["get", "replicasets.apps"]:
            return json.dumps({"items": self.replicasets})
        self.patches.append(args)
        return ""


@pytest.mark.parametrize(
    ("kind", "resource"), [("Rollout", "rollouts.argoproj.io"), ("Deployment", "deployments.apps")]
)
def test_undo_restores_the_previous_revisions_template_without_its_hash_label(kind, resource, tmp_path):
    cluster = Cluster(kind, {3: "gw:v3", 5: "gw:v5", 4: "gw:v4"})
    output = tmp_path / "out"
    assert rollout.main(["undo", "gateway", "--github-output", str(output)], run=cluster) == 0
    (patch,) = cluster.patches
    assert patch[:3] == ["patch", resource, "gateway"]
    (op,) = json.loads(patch[patch.index("-p") + 1])
    assert op["op"] == "replace"
    assert op["path"] == "/spec/template"
    assert op["value"]["spec"]["containers"][0]["image"] == "gw:v4"
    assert op["value"]["metadata"]["labels"] == {"app": "gateway"}
    assert output.read_text() == "image=gw:v4\n"


def test_undo_to_a_named_image_and_refusals():
    cluster = Cluster("Rollout", {3: "gw:v3", 4: "gw:v4", 5: "gw:v5"})
    assert rollout.main(["undo", "gateway", "--to", "gw:v3"], run=cluster) == 0
    (patch,) = cluster.patches
    assert json.loads(patch[patch.index("-p") + 1])[0]["value"]["spec"]["containers"][0]["image"] == "gw:v3"
    assert (
        rollout.main(["undo", "gateway", "--to", "gw:v1"], run=Cluster("Rollout", {4: "gw:v4", 5: "gw:v5"}))
        == 1
    )
    assert rollout.main(["undo", "gateway"], run=Cluster("Rollout", {5: "gw:v5"})) == 1
