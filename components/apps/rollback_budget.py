"""The rollback workflow's time budget, step by step (pure): dispatch to healthy pods within three minutes.

``rollback.yml``'s ``undo`` job acts first and records after: on the environment's in-VPC runner it
undoes the service's workload to its previous revision with Argo's own mechanism (the ReplicaSet of the
previous revision, as ``kubectl argo rollouts undo`` does; Argo's ``rollbackWindow`` skips the steps and
analyses) or ``kubectl rollout undo`` for a Deployment, and waits for it to be healthy; only then does the
``record`` job commit ``rollbackTo`` (the image the undo restored) to main and ``deploy`` reconcile the
stack with ``pulumi up``, which then changes no pod. No virtual environment is built before the pods
are healthy: the job runs standard-library scripts and a pinned kubectl.

:data:`STEPS` names every step of that job, in order, with its budget; ``tests/pipeline`` holds them
to the workflow file. The wait is the service's own: :func:`components.apps.durations.service_timing`'s
``rollback_rollout_seconds`` (one surge round for a canary or blue/green, the rounds of a Deployment).
A person's approval of the prod environment is not counted, as a promote is not in release times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

WORKFLOW = ".github/workflows/rollback.yml"
JOB = "undo"
BUDGET_SECONDS = 180
"""Dispatch to healthy pods: the background documents' three minutes (004 §3.2)."""


@dataclass(frozen=True)
class BudgetStep:
    """One step of the ``undo`` job and the seconds it may take.

    Attributes:
        name: the step's ``name:`` in the workflow (the job's start has no step: :data:`JOB_START`).
        seconds: its budget.
        why: where the figure comes from.
    """

    name: str
    seconds: int
    why: str


JOB_START = BudgetStep(
    "job start",
    50,
    "dispatch until a CodeBuild-hosted runner in the environment's VPC runs the job: engineering estimate"
    " (an on-demand CodeBuild build provisions in well under a minute; queueing behind another run of the"
    " same concurrency group is not counted)",
)
STEPS: tuple[BudgetStep, ...] = (
    BudgetStep(
        "check out the scripts", 5, "a sparse, depth-1 checkout of .github/scripts: engineering estimate"
    ),
    BudgetStep("validate the inputs", 1, "two regular expressions and a grep in bash"),
    BudgetStep("notify rollback", 2, "one Slack webhook call (notify_slack.py, 10 s timeout, usually < 1 s)"),
    BudgetStep(
        "kubectl", 15, "npm pack of the pinned kubectl layer (about 30 MB) and unzip: engineering estimate"
    ),
    BudgetStep(
        "AWS credentials", 5, "aws-actions/configure-aws-credentials: one sts:AssumeRoleWithWebIdentity"
    ),
    BudgetStep("kubeconfig", 5, "aws eks update-kubeconfig: one eks:DescribeCluster"),
    BudgetStep("undo", 5, "rollout.py undo: get the workload and its ReplicaSets, one patch"),
)
WAIT_STEP = "wait for healthy"
"""The last counted step: its budget is the service's own rollback rollout."""
AFTER_HEALTHY: tuple[str, ...] = ("notify rolled back", "notify failed", "notify cancelled")
"""Steps after the pods are healthy (or the run failed): not on the path to healthy pods."""


def fixed_seconds() -> int:
    """Everything before the wait: the job's start and :data:`STEPS`."""
    return JOB_START.seconds + sum(step.seconds for step in STEPS)


def workflow_budget(rollout_seconds: Mapping[str, int]) -> dict[str, Any]:
    """The rollback workflow's budget for each service (``rollout_seconds``: service → its own rollback
    rollout, the wait step's budget): every named step, each service's total, the worst total."""
    services = {
        name: {"wait_healthy_seconds": wait, "total_seconds": fixed_seconds() + wait}
        for name, wait in rollout_seconds.items()
    }
    return {
        "workflow": WORKFLOW,
        "job": JOB,
        "steps": [{"name": s.name, "seconds": s.seconds} for s in (JOB_START, *STEPS)]
        + [{"name": WAIT_STEP, "seconds": "per service"}],
        "services": services,
        "total_seconds": max((s["total_seconds"] for s in services.values()), default=fixed_seconds()),
        "budget_seconds": BUDGET_SECONDS,
    }
