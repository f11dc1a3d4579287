"""Tier guardrails: what a stack of a given tier must have, checked when the settings load.

Each check takes the parsed config and its tier's policy and returns ``(key, message)`` pairs, the key
relative to ``platform:``. Add a check for every new setting a tier constrains.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from components.apps.identity import role_name_problem, workload_identities
from components.apps.release_rules import release_problems
from components.apps.rules import budget_problems, service_problems
from components.cluster.charts import REQUIRED_SECRETS, Addon
from components.cluster.cluster import cluster_name
from components.cluster.spec import CapacityType, LogStorage, covers_whole_internet
from components.core.catalog import suggestion
from components.core.catalog.kubernetes import (
    EKS_SUPPORT_CALENDAR,
    WARN_DAYS_BEFORE_END_OF_STANDARD,
    SupportTier,
    SupportType,
    minor_after,
    support_tier,
)
from components.core.catalog.services import atlas_disk_problem
from components.core.names import Kind, name_problem
from components.core.naming import key_alias, physical_name
from components.core.tags import tag_problems
from components.core.tier import Tier, TierPolicy
from components.data.buckets import ACCESS_LOGS
from components.data.naming import ACCOUNT_ID_LENGTH, identifier
from components.data.recovery import dr_problems, restore_problems
from components.data.windows import (
    ELASTICACHE_MIN_MAINTENANCE_MINUTES,
    RDS_MIN_WINDOW_MINUTES,
    window_problems,
)
from components.network.dns import covers
from components.network.spec import NatStrategy
from components.registry.policies import foreign_images, owned_registries
from components.registry.rules import registry_problems
from components.security.key_policies import KeyPurpose
from components.security.secrets import secret_name

if TYPE_CHECKING:
    from components.apps.spec import Services, UsesSpec
    from settings.schema import ServicesStackConfig, StackConfig

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
        if pg.log_retention_days < floor.min_postgres_log_days:
            problems.append(
                (
                    "postgres.logRetentionDays",
                    f"{tier} keeps PostgreSQL logs at least {floor.min_postgres_log_days} days;"
                    f" got {pg.log_retention_days}",
                )
            )
        if pg.read_replicas and config.network.az_count < 2:
            problems.append(
                (
                    "postgres.readReplicas",
                    "read replicas sit in another AZ than the primary; network.azCount is 1",
                )
            )
    return problems


def _cache(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    """The cache's floors per tier."""
    tier, floor = config.tier.value, policy
    problems: list[Problem] = []
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
    return problems


def _mongo(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    return _atlas(config, config.tier.value, policy)


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
    if config.tier is Tier.PROD and not atlas.encryption_at_rest:
        problems.append(
            (
                "atlas.encryptionAtRest",
                "prod encrypts Atlas at rest with the environment's data key; got false",
            )
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
    if tier is not Tier.DEV and covers_whole_internet(endpoint.public_access_cidrs):
        problems.append(
            (
                "cluster.endpoint.publicAccessCidrs",
                f"{tier.value} may not open the Kubernetes API to the whole internet, in one CIDR or in"
                f" pieces; got {list(endpoint.public_access_cidrs)}",
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
        loki = cluster.addons.loki
        if loki.enabled and loki.storage is not LogStorage.S3:
            problems.append(
                (
                    "cluster.addons.loki.storage",
                    "prod keeps logs in Loki's own S3 bucket (encrypted with the data key, written through its"
                    f" own IAM role), not on one pod's volume; got {loki.storage.value!r}",
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


def check_services(
    services: ServicesStackConfig,
    platform: StackConfig,
    environment: str,
    invalid: frozenset[Section] = frozenset(),
) -> list[Problem]:
    """Every problem of services stack ``environment``, keys relative to ``services:``: the tier's rules
    for each service, every reference to something the platform stack of the same name does not have, and
    role names IAM would refuse.

    ``invalid`` names the settings that failed validation, as :func:`check` takes them: ``services.apps``
    then holds only the services that validated (each failed one is named ``apps.<name>``), and every
    check runs over those; the budget check, which reads ``delivery``, is skipped when ``delivery`` failed.
    """
    apps = services.apps
    problems = service_problems(apps, platform.tier)
    if (services.review or services.review_environment) is not None and platform.tier is not Tier.DEV:
        key = "review" if services.review is not None else "reviewEnvironment"
        problems.append(
            (
                key,
                "review environments run on the dev platform only (their Atlas slots are the shared dev"
                f" clusters'); the platform stack's tier is {platform.tier.value}",
            )
        )
    if "delivery" not in invalid:
        problems += budget_problems(apps, services.delivery, platform.tier)
    if not {"cache", "flags"} & invalid:
        failed = frozenset(entry.split(".", 1)[1] for entry in invalid if entry.startswith("apps."))
        problems += release_problems(apps, services.cache, services.flags, platform.tier, failed)
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
    problems += _ingress_hosts_certified(apps, platform)
    available = platform_secret_names(platform)
    declared = f"declared: {', '.join(sorted(available)) or 'none'}"
    for name, spec in apps.items():
        for i, ref in enumerate(spec.secrets):
            if ref.secret not in available:
                problems.append(
                    (
                        f"apps.{name}.secrets[{i}].secret",
                        f"not a secret the platform stack declares (platform:secrets); got {ref.secret!r}"
                        f"{suggestion(ref.secret, available)}, {declared}",
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
                    " `python -m tools env add`",
                )
            )
    return problems


def _ingress_hosts_certified(apps: Services, platform: StackConfig) -> list[Problem]:
    """Every ingress host is a name of the platform's certificate (its HTTPS listener serves it)."""
    hosts = {name: spec.ingress.host for name, spec in apps.items() if spec.ingress is not None}
    if not hosts:
        return []
    if platform.dns is None:
        return [
            (
                f"apps.{name}.ingress.host",
                f"served over HTTPS, but the platform stack has no platform:dns (zone and certificate); got {host!r}",
            )
            for name, host in sorted(hosts.items())
        ]
    names = platform.dns.certificate_names
    return [
        (
            f"apps.{name}.ingress.host",
            f"not covered by the platform's certificate (platform:dns.certificateNames: {', '.join(names)});"
            f" got {host!r}",
        )
        for name, host in sorted(hosts.items())
        if not any(covers(cert, host) for cert in names)
    ]


def image_registry_problems(apps: Any, platform: StackConfig) -> list[Problem]:
    """Images of the raw ``services:apps`` from a registry the platform neither owns nor allows (only
    when the platform stack has ``platform:registry``)."""
    spec = platform.registry
    if spec is None:
        return []
    owned = owned_registries(platform.account_id, platform.region, spec)
    return foreign_images(apps, owned, spec.allowed_registries)


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


def _account(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    """Every ARN the stack names in its own account is in ``platform:accountId`` (the provider refuses
    the others; a role of another account would only fail at deploy time)."""
    own = f":{config.account_id}:"
    problems = []
    boundary = config.iam.permissions_boundary_arn
    if boundary and own not in boundary:
        problems.append(
            ("iam.permissionsBoundaryArn", f"must be in account {config.account_id}; got {boundary!r}")
        )
    if config.cluster is not None:
        access = config.cluster.access
        for key, arns in (
            ("platformDeployRoleArns", access.platform_deploy_role_arns),
            ("servicesDeployRoleArns", access.services_deploy_role_arns),
            ("previewRoleArns", access.preview_role_arns),
        ):
            elsewhere = [arn for arn in arns if own not in arn]
            if elsewhere:
                problems.append(
                    (
                        f"cluster.access.{key}",
                        f"the delivery roles are in account {config.account_id}; got {elsewhere}",
                    )
                )
    return problems


def _cloud_limits(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    """What the cloud refuses across the fields of one section: windows, Atlas disks."""
    problems: list[Problem] = []
    if config.postgres is not None:
        pg = config.postgres
        problems += window_problems(
            pg.backup_window,
            pg.maintenance_window,
            daily_key="postgres.backupWindow",
            weekly_key="postgres.maintenanceWindow",
            min_daily=RDS_MIN_WINDOW_MINUTES,
            min_weekly=RDS_MIN_WINDOW_MINUTES,
            disjoint=True,
        )
    if config.redis is not None:
        redis = config.redis
        problems += window_problems(
            redis.snapshot_window,
            redis.maintenance_window,
            daily_key="redis.snapshotWindow",
            weekly_key="redis.maintenanceWindow",
            min_daily=1,
            min_weekly=ELASTICACHE_MIN_MAINTENANCE_MINUTES,
            disjoint=False,
        )
    atlas = config.atlas
    if atlas is not None:
        clusters = [("atlas.cluster", atlas.cluster)]
        if atlas.shared is not None:
            clusters.append(("atlas.shared.cluster", atlas.shared.cluster))
        for key, cluster in clusters:
            if cluster is None:
                continue
            problem = atlas_disk_problem(cluster.instance_size, cluster.disk_size_gb)
            if problem:
                problems.append((f"{key}.diskSizeGb", problem))
    return problems


def physical_names(
    stack: str, config: StackConfig, invalid: frozenset[Section] = frozenset()
) -> list[tuple[str, Kind, str]]:
    """``(setting, kind, name)`` for every physical name the stack name flows into."""

    def valid(section: str) -> Any:
        return None if section in invalid else getattr(config, section, None)

    names: list[tuple[str, Kind, str]] = [
        ("<stack name>", Kind.STACK, stack),
        ("keys", Kind.KMS_ALIAS, key_alias(stack, max(KeyPurpose, key=len).value)),
        ("observability", Kind.BUDGET, physical_name(stack, "monthly")),
        ("observability", Kind.LAMBDA_FUNCTION, physical_name(stack, "alerts-to-slack")),
    ]
    if valid("secrets") is not None:
        secrets = [s.name for s in config.secrets.generated] + [s.name for s in config.secrets.external]
        names += [("secrets", Kind.SECRET, secret_name(stack, s)) for s in secrets]
    buckets = valid("buckets")
    if buckets is not None:
        account = "0" * ACCOUNT_ID_LENGTH
        names += [
            (f"buckets.buckets[{i}].name", Kind.S3_BUCKET, physical_name(stack, b.name, account))
            for i, b in enumerate(buckets.buckets)
        ]
        names.append(("buckets.accessLogs", Kind.S3_BUCKET, physical_name(stack, ACCESS_LOGS, account)))
    postgres = valid("postgres")
    if postgres is not None:
        ident = identifier(stack, "postgres")
        names.append(("postgres", Kind.RDS_INSTANCE, ident))
        if postgres.read_replicas:
            names.append(
                (
                    "postgres.readReplicas",
                    Kind.RDS_INSTANCE,
                    f"{ident}-replica-{postgres.read_replicas - 1}",
                )
            )
        names.append(("postgres.proxy", Kind.RDS_PROXY, f"{ident}-proxy"))
    if valid("redis") is not None:
        names.append(("redis", Kind.ELASTICACHE_GROUP, identifier(stack, "redis")))
    if valid("atlas") is not None:
        names.append(("atlas", Kind.ATLAS_PROJECT, identifier(stack, "mongo")))
    cluster = valid("cluster")
    if cluster is not None:
        names.append(("cluster", Kind.EKS_CLUSTER, cluster_name(stack)))
        names += [
            ("cluster.access.deployNamespaces", Kind.K8S_NAMESPACE, ns)
            for ns in cluster.access.deploy_namespaces
        ]
    return names


def name_problems(
    stack: str, config: StackConfig, invalid: frozenset[Section] = frozenset()
) -> list[Problem]:
    """Every physical name derived from ``stack`` that the cloud would refuse, keyed by its setting.

    Settings in ``invalid`` (which failed validation) are skipped.
    """
    problems = []
    for key, kind, name in physical_names(stack, config, invalid):
        problem = name_problem(kind, name)
        if problem:
            hint = "" if kind is Kind.STACK else f" (stack name {stack!r} is part of it)"
            problems.append((key, f"{problem}{hint}"))
    return problems


def _registry(config: StackConfig, policy: TierPolicy) -> list[Problem]:
    if config.registry is None:
        return []
    return registry_problems(
        config.registry, policy, config.tier.value, config.region, config.cluster is not None
    )


def recovery_problems(
    stack: str, config: StackConfig, policy: TierPolicy | None, invalid: frozenset[Section] = frozenset()
) -> list[Problem]:
    """``platform:dr`` and ``platform:restore`` (components/data/recovery.py): the DR region, the RPO/RTO
    targets against what the copies give, and a drill's sources. Skipped over settings that failed."""
    stores = frozenset({"region", "accountId", "postgres", "buckets", "atlas", "redis"})
    problems: list[Problem] = []
    if policy is not None and not (stores | {"dr"}) & invalid:
        problems += dr_problems(
            config.tier.value,
            policy,
            config.region,
            config.account_id,
            stack,
            config.dr,
            config.postgres,
            config.buckets,
            config.atlas,
            config.redis,
        )
    registry = config.registry
    if config.dr is not None and registry is not None and not {"dr", "registry"} & invalid:
        replicated = registry.replication_region
        if replicated is not None and replicated != config.dr.region:
            # One DR region: the images must survive the same loss as the data they serve.
            problems.append(
                (
                    "registry.replicationRegion",
                    f"must be the DR region of platform:dr.region ({config.dr.region}); got {replicated!r}",
                )
            )
    if not (stores | {"restore"}) & invalid:
        problems += restore_problems(
            stack, config.account_id, config.restore, config.postgres, config.atlas, config.buckets
        )
    return problems


Section = str
CHECKS: list[tuple[Check, frozenset[Section]]] = [
    (_network, frozenset({"tier", "network"})),
    (_protection, frozenset({"tier", "protect", "keys", "secrets"})),
    (_tags, frozenset({"tags"})),
    (_cluster, frozenset({"tier", "cluster", "secrets"})),
    (_data, frozenset({"tier", "network", "postgres"})),
    (_cache, frozenset({"tier", "redis"})),
    (_mongo, frozenset({"tier", "atlas"})),
    (_observability, frozenset({"observability", "secrets"})),
    (_cloud_limits, frozenset({"postgres", "redis", "atlas"})),
    (_account, frozenset({"accountId", "iam", "cluster"})),
    (_registry, frozenset({"tier", "registry", "region", "cluster"})),
]


def check(
    config: StackConfig, policy: TierPolicy | None, invalid: frozenset[Section] = frozenset()
) -> list[Problem]:
    """Every guardrail problem of ``config`` under ``policy``.

    ``invalid`` names the top-level settings that failed validation (``config`` lacks them): a check
    that reads one of them is skipped, every other check runs, so one run reports all it can.
    ``policy`` is ``None`` when the tier itself is invalid.
    """
    problems: list[Problem] = []
    for check_, needs in CHECKS:
        if needs & invalid or (policy is None and "tier" in needs):
            continue
        problems += check_(config, cast(TierPolicy, policy))  # checks without "tier" never read it
    return problems


def support_window(config: StackConfig, today: dt.date) -> tuple[list[Problem], list[Problem]]:
    """The cluster's Kubernetes version against the EKS support calendar on ``today``: (errors, warnings).

    * past extended support: an error (EKS upgrades such a control plane itself, at a time of its choosing);
    * past standard support: for prod an error unless ``cluster.supportType`` is ``EXTENDED`` (the stack
      accepts the extended price; with ``STANDARD`` AWS would upgrade prod itself), elsewhere a warning;
      with ``EXTENDED`` a warning saying what it costs;
    * within :data:`WARN_DAYS_BEFORE_END_OF_STANDARD` days of the end of standard support: a warning;
    * no calendar row for the version: a warning.
    """
    cluster = config.cluster
    if cluster is None:
        return [], []
    key, version = "cluster.kubernetesVersion", cluster.kubernetes_version
    window = EKS_SUPPORT_CALENDAR.get(version)
    if window is None or window.end_of_standard is None or window.end_of_extended is None:
        return [], [
            (
                key,
                f"{version}: no EKS support dates recorded (components/core/catalog/kubernetes.py); check them",
            )
        ]
    tier, extended = support_tier(version, today), cluster.support_type is SupportType.EXTENDED
    read = f"(EKS calendar, read {window.read}; run date {today})"
    if tier is SupportTier.ENDED:
        return [
            (
                key,
                f"{version} left EKS extended support on {window.end_of_extended} {read}; EKS upgrades such a"
                f" control plane itself: upgrade to {minor_after(version)} (python -m tools upgrade-check)",
            )
        ], []
    if tier is SupportTier.EXTENDED:
        if extended:
            return [], [
                (
                    key,
                    f"{version} left EKS standard support on {window.end_of_standard} {read}: the cluster is billed"
                    f" extended support until {window.end_of_extended} (cluster.supportType EXTENDED accepts it);"
                    f" upgrade to {minor_after(version)}",
                )
            ]
        message = (
            f"{version} left EKS standard support on {window.end_of_standard} {read}; with cluster.supportType"
            f" {cluster.support_type.value} AWS upgrades the control plane itself, unplanned: upgrade to"
            f" {minor_after(version)} (python -m tools upgrade-check), or set cluster.supportType: EXTENDED to"
            f" accept extended support (billed) until {window.end_of_extended}"
        )
        return ([(key, message)], []) if config.tier is Tier.PROD else ([], [(key, message)])
    days = (window.end_of_standard - today).days
    if days <= WARN_DAYS_BEFORE_END_OF_STANDARD:
        then = "extended support (billed) begins" if extended else "AWS upgrades the control plane itself"
        return [], [
            (
                key,
                f"{version} leaves EKS standard support on {window.end_of_standard}, in {days} days {read}; then"
                f" {then}: plan the upgrade to {minor_after(version)} (python -m tools upgrade-check)",
            )
        ]
    return [], []
