"""Tier guardrails: what a stack of a given tier must have, checked when the settings load.

Each check takes the parsed config and its tier's policy and returns ``(key, message)`` pairs, the key
relative to ``platform:``. Add a check for every new setting a tier constrains.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from components.apps.identity import role_name_problem, workload_identities
from components.apps.rules import service_problems
from components.cluster.charts import REQUIRED_SECRETS, Addon
from components.cluster.spec import CapacityType
from components.core.tags import tag_problems
from components.core.tier import Tier, TierPolicy
from components.network.spec import NatStrategy

if TYPE_CHECKING:
    from components.apps.spec import UsesSpec
    from infra.config import ServicesStackConfig, StackConfig

Problem = tuple[str, str]
Check = Callable[["StackConfig", TierPolicy], list[Problem]]


def _network(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    net, tier = config.network, config.tier.value
    problems = []
    if net.az_count < policy.min_azs:
        problems.append(
            ("network.azCount", f"{tier} needs at least {policy.min_azs} AZs; got {net.az_count}")
        )
    if policy.nat_per_az and net.nat_gateways != NatStrategy.PER_AZ:
        problems.append(
            (
                "network.natGateways",
                f"{tier} needs a NAT gateway per AZ (perAz) so one AZ's failure keeps the others online;"
                f" got {net.nat_gateways.value!r}",
            )
        )
    if policy.flow_logs and not net.flow_logs.enabled:
        problems.append(("network.flowLogs.enabled", f"{tier} must keep VPC flow logs on; got false"))
    return problems


def _protection(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    tier = config.tier.value
    problems = []
    if policy.protect and config.protect is False:
        problems.append(
            (
                "protect",
                f"{tier} protects stateful resources; a stack may tighten this, not loosen it; got false",
            )
        )
    if config.keys.deletion_window_days < policy.min_key_deletion_window_days:
        problems.append(
            (
                "keys.deletionWindowDays",
                f"{tier} needs a deletion window of at least {policy.min_key_deletion_window_days} days;"
                f" got {config.keys.deletion_window_days}",
            )
        )
    if policy.protect and config.secrets.recovery_window_days == 0:
        problems.append(
            ("secrets.recoveryWindowDays", f"{tier} keeps deleted secrets recoverable (7-30 days); got 0")
        )
    return problems


def _tags(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    return [("tags", problem) for problem in tag_problems(config.tags)]


def _data(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    """The data tier's floors: backups, replicas, failover and Atlas protection per tier."""
    tier, floor = config.tier.value, policy
    problems: list[Problem] = []
    pg = config.postgres
    if pg is not None:
        if pg.backup_retention_days < policy.min_backup_retention_days:
            problems.append(
                (
                    "postgres.backupRetentionDays",
                    f"{tier} keeps backups at least {policy.min_backup_retention_days} days;"
                    f" got {pg.backup_retention_days}",
                )
            )
        if pg.read_replicas < floor.min_read_replicas:
            problems.append(
                (
                    "postgres.readReplicas",
                    f"{tier} needs at least {floor.min_read_replicas} read replica(s); got {pg.read_replicas}",
                )
            )
        if floor.multi_az and not pg.multi_az:
            problems.append(("postgres.multiAz", f"{tier} needs a Multi-AZ primary; got false"))
        if pg.read_replicas and config.network.az_count < 2:
            problems.append(
                (
                    "postgres.readReplicas",
                    "read replicas sit in another AZ than the primary; network.azCount is 1",
                )
            )
    redis = config.redis
    if redis is not None:
        if redis.nodes < floor.min_cache_nodes:
            problems.append(
                (
                    "redis.nodes",
                    f"{tier} needs at least {floor.min_cache_nodes} nodes (automatic failover and Multi-AZ);"
                    f" got {redis.nodes}",
                )
            )
        if redis.snapshot_retention_days < floor.min_cache_snapshot_days:
            problems.append(
                (
                    "redis.snapshotRetentionDays",
                    f"{tier} keeps snapshots at least {floor.min_cache_snapshot_days} day(s);"
                    f" got {redis.snapshot_retention_days}",
                )
            )
    problems.extend(_atlas(config, tier, floor))
    return problems


def _atlas(config: StackConfig, tier: str, floor: TierPolicy) -> list[Problem]:
    atlas = config.atlas
    if atlas is None:
        return []
    if floor.dedicated_atlas and atlas.cluster is None:
        return [("atlas.cluster", f"{tier} runs MongoDB on a dedicated cluster; got shared dev slots")]
    cluster = atlas.cluster
    if cluster is None:
        return []
    problems: list[Problem] = []
    if floor.dedicated_atlas and not cluster.backup:
        problems.append(("atlas.cluster.backup", f"{tier} needs cloud backup; got false"))
    if floor.atlas_point_in_time and not cluster.point_in_time:
        problems.append(("atlas.cluster.pointInTime", f"{tier} needs point-in-time restore; got false"))
    if floor.atlas_backup_schedule and cluster.backup_schedule is None:
        problems.append(
            ("atlas.cluster.backupSchedule", f"{tier} needs an explicit backup schedule; got none")
        )
    if floor.atlas_termination_protection and not cluster.termination_protection:
        problems.append(
            ("atlas.cluster.terminationProtection", f"{tier} needs termination protection; got false")
        )
    return problems


PROD_MIN_CONTROL_PLANE_LOG_DAYS = 365
PROD_REQUIRED_ADDONS = (Addon.KUBE_PROMETHEUS_STACK, Addon.LOKI, Addon.ALLOY, Addon.CLUSTER_AUTOSCALER)


def _cluster(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    cluster, tier = config.cluster, config.tier
    if cluster is None:
        return []
    problems = []
    endpoint = cluster.endpoint
    if policy.private_api_endpoint and endpoint.public_access:
        problems.append(
            (
                "cluster.endpoint.publicAccess",
                f"{tier.value} keeps the Kubernetes API private (reach it through the VPC); got true",
            )
        )
    if tier is not Tier.DEV:
        open_to_all = [c for c in endpoint.public_access_cidrs if c.endswith("/0")]
        if open_to_all:
            problems.append(
                (
                    "cluster.endpoint.publicAccessCidrs",
                    f"{tier.value} may not open the Kubernetes API to the whole internet; got {open_to_all}",
                )
            )
    if tier is Tier.PROD:
        steady = [
            g.name
            for g in cluster.node_groups
            if g.capacity_type is CapacityType.ON_DEMAND and g.min_size >= 2
        ]
        if not steady:
            problems.append(
                (
                    "cluster.nodeGroups",
                    "prod needs an ON_DEMAND node group with minSize >= 2 so system pods survive a node loss;"
                    f" got {[(g.name, g.capacity_type.value, g.min_size) for g in cluster.node_groups]}",
                )
            )
        if cluster.log_retention_days < PROD_MIN_CONTROL_PLANE_LOG_DAYS:
            problems.append(
                (
                    "cluster.logRetentionDays",
                    f"prod keeps control-plane (audit) logs at least {PROD_MIN_CONTROL_PLANE_LOG_DAYS} days;"
                    f" got {cluster.log_retention_days}",
                )
            )
        for addon in PROD_REQUIRED_ADDONS:
            if not cluster.addons.by_key(addon.value).enabled:
                problems.append(
                    (
                        f"cluster.addons.{addon.value}.enabled",
                        "prod runs full observability and autoscaling; got false",
                    )
                )
    declared = {s.name for s in config.secrets.generated} | {s.name for s in config.secrets.external}
    for addon, names in REQUIRED_SECRETS.items():
        if not cluster.addons.by_key(addon.value).enabled:
            continue
        missing = [n for n in names if n not in declared]
        if missing:
            problems.append(
                (
                    "secrets",
                    f"cluster.addons.{addon.value} reads secret(s) {missing}; declare them in platform:secrets",
                )
            )
    return problems


def check_services(services: ServicesStackConfig, platform: StackConfig, environment: str) -> list[Problem]:
    """Every problem of services stack ``environment``, keys relative to ``services:``: the tier's rules
    for each service, every reference to something the platform stack of the same name does not have, and
    role names IAM would refuse."""
    apps = services.apps
    problems = service_problems(apps, platform.tier)
    if not apps:
        return problems
    if platform.cluster is None:
        problems.append(
            (
                "apps",
                f"services run on the cluster, but the platform stack has no platform:cluster; got {sorted(apps)}",
            )
        )
    queued = sorted(
        name for name, spec in apps.items() if spec.autoscaling and spec.autoscaling.queue is not None
    )
    if queued and platform.redis is None:
        problems.append(
            (
                "apps",
                f"{', '.join(queued)} scale on a Redis queue, but the platform stack has no platform:redis",
            )
        )
    available = platform_secret_names(platform)
    declared = f"declared: {', '.join(sorted(available)) or 'none'}"
    for name, spec in apps.items():
        for i, ref in enumerate(spec.secrets):
            if ref.secret not in available:
                problems.append(
                    (
                        f"apps.{name}.secrets[{i}].secret",
                        f"not a secret the platform stack declares (platform:secrets); got {ref.secret!r}, {declared}",
                    )
                )
        problems.extend(_uses(name, spec.uses, platform, available, declared))
    for identity in workload_identities(apps):
        problem = role_name_problem(environment, identity.name)
        if problem:
            problems.append(
                (f"apps.{identity.service}", f"the workload identity {identity.name!r}: {problem}")
            )
    return problems


def _uses(
    name: str, uses: UsesSpec, platform: StackConfig, secrets: set[str], declared: str
) -> list[Problem]:
    """Everything ``apps.<name>.uses`` names must exist in the platform stack."""
    problems: list[Problem] = []
    key = f"apps.{name}.uses"
    for i, secret in enumerate(uses.secrets):
        if secret not in secrets:
            problems.append(
                (
                    f"{key}.secrets[{i}]",
                    f"not a secret the platform stack declares (platform:secrets); got {secret!r}, {declared}",
                )
            )
    buckets = [b.name for b in platform.buckets.buckets] if platform.buckets is not None else []
    for bucket in uses.buckets:
        if bucket not in buckets:
            problems.append(
                (
                    f"{key}.buckets.{bucket}",
                    f"not a bucket of the platform stack (platform:buckets: {', '.join(buckets) or 'none'})",
                )
            )
    for flag, section, present in (
        ("database", "postgres", platform.postgres is not None),
        ("cache", "redis", platform.redis is not None),
        ("mongodb", "atlas", platform.atlas is not None),
    ):
        if getattr(uses, flag) and not present:
            problems.append((f"{key}.{flag}", f"the platform stack has no platform:{section}; got true"))
    shared = platform.atlas.shared if platform.atlas is not None else None
    if uses.mongodb and shared is not None:
        recorded = [env.name for env in shared.environments]
        if shared.services_environment not in recorded:
            problems.append(
                (
                    f"{key}.mongodb",
                    f"platform:atlas.shared.servicesEnvironment {shared.services_environment!r} is not a"
                    f" recorded dev environment ({', '.join(recorded) or 'none'}): add it with"
                    " `python -m infra env add`",
                )
            )
    return problems


def platform_secret_names(platform: StackConfig) -> set[str]:
    """The names of every secret the platform stack keeps in Secrets Manager for the services.

    The stores (Postgres, Redis, Atlas) have none: services reach them with IAM authentication."""
    return {s.name for s in platform.secrets.generated} | {s.name for s in platform.secrets.external}


def _observability(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    # Whether a tier must have alerts and a budget is the policy pack's tier-floors rule (over the
    # resources); here only what the settings alone can tell.
    obs = config.observability
    if obs is None:
        return []
    external = [s.name for s in config.secrets.external]
    if obs.slack_webhook_secret not in external:
        return [
            (
                "observability.slackWebhookSecret",
                f"must name one of secrets.external ({', '.join(external) or 'none declared'});"
                f" got {obs.slack_webhook_secret!r}",
            )
        ]
    return []


CHECKS: list[Check] = [_network, _protection, _tags, _cluster, _data, _observability]


def check(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    """Every guardrail problem of ``config`` under ``policy``."""
    return [problem for check_ in CHECKS for problem in check_(config, policy)]
