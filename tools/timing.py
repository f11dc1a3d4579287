"""``python -m tools timing``: the release, rollback and from-scratch times the stack files imply.

Services come from the services stack file (``services/Pulumi.<stack>.yaml``), validated on the platform
stack file of the same name, exactly as the services preview reads them; the from-scratch critical path
comes from the platform stack file. Per-type creation times are below, each with where it comes from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.apps.durations import Step, critical_path, services_timing
from components.apps.rollback_budget import workflow_budget
from settings.config import ServicesSettings, Settings

# Creation times of the platform's resources, once what they need exists. AWS and MongoDB publish no
# guaranteed provisioning times; every figure here is an engineering estimate of the usual duration
# (the order of magnitude the issue and the providers' consoles state: "several minutes").
KMS_SECONDS = 30  # engineering estimate: keys and aliases are created in seconds
VPC_SECONDS = 60  # engineering estimate: VPC, subnets, route tables, gateway endpoints, flow logs
NAT_SECONDS = (
    180  # engineering estimate: a NAT gateway reaches "available" in a few minutes (all AZs in parallel)
)
SECRETS_SECONDS = 10  # engineering estimate: Secrets Manager secrets and generated values
RDS_MULTI_AZ_SECONDS = (
    900  # ≈ 15 min, engineering estimate (the figure): primary plus synchronous standby
)
RDS_SINGLE_AZ_SECONDS = 600  # engineering estimate: a single-AZ instance
RDS_REPLICA_SECONDS = (
    600  # engineering estimate: a read replica starts from a snapshot of the primary (in parallel)
)
RDS_PROXY_SECONDS = 300  # engineering estimate: an RDS Proxy and its target group become available
REDIS_SECONDS = 600  # engineering estimate: an ElastiCache replication group with its replicas
ATLAS_CLUSTER_SECONDS = (
    600  # engineering estimate: a dedicated Atlas cluster (M10+) deploys in about ten minutes
)
ATLAS_PRIVATE_ENDPOINT_SECONDS = (
    300  # engineering estimate: the Atlas endpoint service plus the VPC interface endpoint
)
EKS_CLUSTER_SECONDS = 600  # ≈ 10 min, engineering estimate (the figure): the EKS control plane
EKS_NODES_SECONDS = 300  # engineering estimate: a managed node group's instances join and turn Ready
EKS_CORE_ADDONS_SECONDS = (
    120  # engineering estimate: VPC CNI, CoreDNS, kube-proxy, EBS CSI, pod identity agent
)
HELM_ADDONS_SECONDS = (
    300  # engineering estimate: the add-on releases (atomic, in parallel; Prometheus the slowest)
)
ALLOY_SECONDS = 120  # engineering estimate: Alloy's release, which waits for Loki's
ALARMS_SECONDS = 30  # engineering estimate: CloudWatch alarms, the SNS topic, the budget


def platform_steps(settings: Settings) -> list[Step]:
    """The platform stack's creation graph, as far as the durations go (what waits for what)."""
    config = settings.config
    steps = [
        Step("kms-keys", KMS_SECONDS),
        Step("vpc", VPC_SECONDS, ("kms-keys",)),
        Step("nat-gateways", NAT_SECONDS, ("vpc",)),
        Step("secrets", SECRETS_SECONDS, ("kms-keys",)),
    ]
    stores: list[str] = []
    if config.postgres is not None:
        pg = config.postgres
        steps.append(
            Step(
                "rds-primary",
                RDS_MULTI_AZ_SECONDS if pg.multi_az else RDS_SINGLE_AZ_SECONDS,
                ("vpc", "secrets"),
            )
        )
        stores.append("rds-primary")
        if pg.read_replicas:
            steps.append(Step("rds-replicas", RDS_REPLICA_SECONDS, ("rds-primary",)))
            stores.append("rds-replicas")
        if pg.proxy.enabled:
            steps.append(Step("rds-proxy", RDS_PROXY_SECONDS, ("rds-primary",)))
            stores.append("rds-proxy")
    if config.redis is not None:
        steps.append(Step("elasticache", REDIS_SECONDS, ("vpc", "secrets")))
        stores.append("elasticache")
    if config.atlas is not None:
        steps.append(Step("atlas-cluster", ATLAS_CLUSTER_SECONDS, ("kms-keys",)))
        steps.append(Step("atlas-private-endpoint", ATLAS_PRIVATE_ENDPOINT_SECONDS, ("vpc", "atlas-cluster")))
        stores.append("atlas-private-endpoint")
    if config.cluster is not None:
        steps += [
            Step("eks-cluster", EKS_CLUSTER_SECONDS, ("vpc",)),
            Step("eks-nodes", EKS_NODES_SECONDS, ("eks-cluster", "nat-gateways")),
            Step("eks-core-addons", EKS_CORE_ADDONS_SECONDS, ("eks-nodes",)),
            Step("helm-addons", HELM_ADDONS_SECONDS, ("eks-core-addons", "secrets")),
        ]
        if config.cluster.addons.alloy.enabled:
            steps.append(Step("alloy", ALLOY_SECONDS, ("helm-addons",)))
    if config.observability is not None:
        steps.append(Step("alarms", ALARMS_SECONDS, tuple(s for s in stores if not s.startswith("atlas"))))
    return steps


def report(services: ServicesSettings) -> dict[str, Any]:
    """``{"stack", "services": {name: {"release_seconds", "rollback_seconds", "rollback_workflow_seconds",
    "waits_for_person"}}, "rollback_workflow": {steps, per-service totals, the worst total},
    "from_scratch_seconds", "critical_path"}``."""
    timings = services_timing(services.config.apps, services.config.delivery)
    total, path = critical_path(platform_steps(services.platform))
    workflow = workflow_budget({name: t.rollback_rollout_seconds for name, t in timings.items()})
    return {
        "stack": services.environment,
        "services": {
            name: {
                "release_seconds": t.release_seconds,
                "rollback_seconds": t.rollback_seconds,
                "rollback_workflow_seconds": workflow["services"][name]["total_seconds"],
                "waits_for_person": t.waits_for_person,
            }
            for name, t in timings.items()
        },
        "rollback_workflow": workflow,
        "from_scratch_seconds": total,
        "critical_path": path,
    }


def load(stack: str, root: Path | None = None) -> ServicesSettings:
    """The services stack file ``stack`` of the repository ``root`` (defaults to this one) validated on the
    platform stack file of the same name (a ConfigError names every problem; FileNotFoundError when a
    stack file is missing)."""
    from settings import config, stacks

    root = root or stacks.ROOT
    platform = config.platform_settings(stack, root)
    stack_file = stacks.read(stack, stacks.Project.SERVICES, root)
    return config.parse_services(
        stack_file.config, stack, platform, stack_file.project, stack_file.secret_keys
    )


def as_text(document: dict[str, Any]) -> str:
    """A table of the services' times and the from-scratch path, for people."""
    lines = [
        f"stack {document['stack']}",
        f"{'service':<20} {'release':>9} {'rollback':>9} {'workflow':>9}",
    ]
    for name, t in document["services"].items():
        person = "  + a person's promote" if t["waits_for_person"] else ""
        lines.append(
            f"{name:<20} {t['release_seconds']:>8}s {t['rollback_seconds']:>8}s"
            f" {t['rollback_workflow_seconds']:>8}s{person}"
        )
    workflow = document["rollback_workflow"]
    steps = ", ".join(f"{s['name']} {s['seconds']}" for s in workflow["steps"])
    lines.append(
        f"rollback workflow ({workflow['workflow']}, job {workflow['job']}): {steps};"
        f" worst {workflow['total_seconds']} s of {workflow['budget_seconds']} s"
    )
    minutes = document["from_scratch_seconds"] / 60
    lines.append(f"from scratch: {document['from_scratch_seconds']} s (≈{minutes:.0f} min) along")
    lines.append("  " + " → ".join(document["critical_path"]))
    return "\n".join(lines)
