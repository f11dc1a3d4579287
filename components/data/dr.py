"""Copies of the environment's durable stores in a second region: the DR region's own KMS key, RDS
cross-Region automated backups, and S3 replication of every data bucket to a replica bucket.

The Atlas copies are settings of the cluster's backup schedule (``copy_settings``, in
:mod:`components.data.atlas_cluster`); Redis is not copied (see :data:`components.data.recovery.REDIS_LOSS`).

**The DR region's key is a key of its own, not a multi-Region replica of the data key.** (1) The data key
exists and is single-Region; ``MultiRegion`` is fixed when a key is created (``aws.kms.Key.multi_region``
forces a new key), so replicas would mean a new primary data key and re-encrypting every store. (2) RDS
backup replication and S3 replication decrypt in the source region and re-encrypt under a key *in the
destination region* (``kms_key_id`` of ``InstanceAutomatedBackupsReplication``, ``replica_kms_key_id`` of
the replication rule): neither needs the same key material on both sides. (3) Separate material keeps the
regions apart: disabling or scheduling the deletion of a primary-region key does not touch the copies,
and the DR key's policy can let a drill account decrypt copies without touching the primary key's policy.
Multi-Region keys would pay off for data encrypted client-side and read in both regions; nothing here is.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.core import iam, s3
from components.core.context import AwsContext
from components.core.naming import key_alias
from components.core.s3 import deny_insecure_transport
from components.data.buckets import BucketSpec, _rule_args
from components.data.dr_spec import DeleteMarkers, DrSpec
from components.data.lifecycle import render
from components.data.naming import bucket_name
from components.data.recovery import S3_RTC_MINUTES, replica_short_name

DR_KEY_PURPOSE = "dr-data"


@dataclass(frozen=True)
class SourceBucket:
    """A data bucket to replicate: its spec and the primary-region resources the rule attaches to."""

    spec: BucketSpec
    bucket_id: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    versioning: pulumi.Resource


@dataclass(frozen=True)
class DisasterRecoveryArgs:
    """Inputs of :class:`DisasterRecovery`.

    Attributes:
        spec: the DR settings (region, targets, bucket replication).
        context: account, partition and the primary region.
        environment: environment name (aliases, bucket names, identifiers).
        key_deletion_window_days: the DR key's deletion window (the environment's keys setting).
        key_rotation_period_days: the DR key's rotation period.
        data_key_arn: the primary region's data key, which the source buckets' objects are encrypted with.
        postgres_arn: the primary DB instance whose automated backups are replicated. Defaults to none.
        postgres_retention_days: days the replicated backups are kept (required with ``postgres_arn``).
        buckets: the data buckets to replicate. Defaults to none.
        protect: ``protect=True`` on the key, the replication and the replica buckets (the tier decides).
    """

    spec: DrSpec
    context: AwsContext
    environment: str
    key_deletion_window_days: int
    key_rotation_period_days: int
    data_key_arn: pulumi.Input[str]
    postgres_arn: pulumi.Input[str] | None = None
    postgres_retention_days: int = 7
    buckets: Sequence[SourceBucket] = field(default_factory=tuple)
    protect: bool = True


class DisasterRecovery(pulumi.ComponentResource):
    """The DR region's key, the replicated Postgres backups and the replica buckets.

    Every DR-region resource names its region (``region=``, pulumi-aws v7's per-resource region), so it
    stays on the environment's one tagged provider and its ``allowed_account_ids``: the copies live in the
    environment's own account.
    """

    key_arn: pulumi.Output[str]
    replica_bucket_names: dict[str, pulumi.Output[str]]
    replica_bucket_arns: dict[str, pulumi.Output[str]]
    backups_replication_arn: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: DisasterRecoveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:data:DisasterRecovery", name, None, opts)
        spec, ctx = args.spec, args.context
        region = spec.region
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        child = pulumi.ResourceOptions(parent=self)

        key = aws.kms.Key(
            f"{name}-key",
            region=region,
            description=f"platform {args.environment}: copies of the data stores in the DR region",
            enable_key_rotation=True,
            rotation_period_in_days=args.key_rotation_period_days,
            deletion_window_in_days=args.key_deletion_window_days,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            multi_region=False,
            policy=pulumi.Output.all(ctx.partition, ctx.account_id).apply(
                lambda v: iam.dumps(dr_key_policy(v[0], v[1], region, spec.drill_account_ids))
            ),
            tags={"purpose": DR_KEY_PURPOSE},
            opts=stateful,
        )
        aws.kms.Alias(
            f"{name}-key",
            region=region,
            name=key_alias(args.environment, DR_KEY_PURPOSE),
            target_key_id=key.key_id,
            opts=child,
        )
        self.key_arn = key.arn

        self.backups_replication_arn = None
        if args.postgres_arn is not None:
            replication = aws.rds.InstanceAutomatedBackupsReplication(
                f"{name}-postgres-backups",
                # Managed in the destination region, as the RDS API requires (the source is an ARN).
                region=region,
                source_db_instance_arn=args.postgres_arn,
                kms_key_id=key.arn,
                retention_period=args.postgres_retention_days,
                opts=stateful,
            )
            self.backups_replication_arn = replication.id

        self.replica_bucket_names, self.replica_bucket_arns = {}, {}
        if args.buckets:
            self._buckets(name, args, key)

        outputs: dict[str, Any] = {
            "key_arn": self.key_arn,
            "replica_bucket_names": self.replica_bucket_names,
        }
        if self.backups_replication_arn is not None:
            outputs["backups_replication_arn"] = self.backups_replication_arn
        self.register_outputs(outputs)

    def _buckets(self, name: str, args: DisasterRecoveryArgs, key: aws.kms.Key) -> None:
        spec, ctx = args.spec, args.context
        region = spec.region
        child = pulumi.ResourceOptions(parent=self)
        in_dr = pulumi.ResourceOptions(parent=self)
        replicas: dict[str, aws.s3.Bucket] = {}
        versionings: dict[str, aws.s3.BucketVersioning] = {}
        for source in args.buckets:
            short = source.spec.name
            rname = f"{name}-{replica_short_name(short)}"
            replica = aws.s3.Bucket(
                rname,
                region=region,
                bucket=ctx.account_id.apply(
                    functools.partial(_replica_name, args.environment, replica_short_name(short))
                ),
                force_destroy=not args.protect,
                tags={"Name": replica_short_name(short), "replica-of": short},
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            s3.block_public_access(rname, replica, in_dr, region)
            s3.enforce_owner(rname, replica, in_dr, region)
            versionings[short] = s3.enable_versioning(rname, replica, in_dr, region)
            s3.encrypt(rname, replica, key.arn, in_dr, region)
            # The source's rules (noncurrent versions, storage classes) apply to the copies too, plus the
            # excluded prefixes' clean-up should a replica ever hold one.
            rules = [
                *render(source.spec.lifecycle),
                *[
                    {
                        "id": f"expire-excluded-{prefix.strip('/').replace('/', '-')}",
                        "status": "Enabled",
                        "filter": {"prefix": prefix},
                        "expiration": {"days": 1},
                        "noncurrent_version_expiration": {"noncurrent_days": 1},
                    }
                    for prefix in spec.buckets.excluded_prefixes
                ],
            ]
            if rules:
                aws.s3.BucketLifecycleConfiguration(
                    rname,
                    region=region,
                    bucket=replica.id,
                    rules=[_rule_args(rule) for rule in rules],
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[versionings[short]]),
                )
            aws.s3.BucketPolicy(
                rname,
                region=region,
                bucket=replica.id,
                policy=pulumi.Output.all(replica.arn, ctx.partition).apply(
                    lambda v: iam.dumps(replica_bucket_policy(v[0], v[1], spec.drill_account_ids))
                ),
                opts=child,
            )
            replicas[short] = replica
            self.replica_bucket_names[short] = replica.bucket
            self.replica_bucket_arns[short] = replica.arn

        role = aws.iam.Role(
            f"{name}-replication",
            assume_role_policy=ctx.account_id.apply(
                lambda account: iam.dumps(iam.service_trust("s3.amazonaws.com", account))
            ),
            description=f"S3 replicates platform {args.environment}'s data buckets to {region}",
            permissions_boundary=ctx.permissions_boundary,
            opts=child,
        )
        sources = {s.spec.name: s for s in args.buckets}
        aws.iam.RolePolicy(
            f"{name}-replication",
            role=role.id,
            policy=pulumi.Output.all(
                args.data_key_arn,
                key.arn,
                pulumi.Output.all(*[sources[s].bucket_arn for s in replicas]),
                pulumi.Output.all(*[r.arn for r in replicas.values()]),
            ).apply(
                lambda v: iam.dumps(
                    replication_role_policy(list(v[2]), list(v[3]), v[0], v[1], ctx.region, region)
                )
            ),
            opts=child,
        )
        for short, replica in replicas.items():
            source = sources[short]
            aws.s3.BucketReplicationConfig(
                f"{name}-{short}",
                bucket=source.bucket_id,
                role=role.arn,
                rules=[_rule(rule, replica.arn, key.arn) for rule in replication_rules(spec)],
                # S3 refuses a replication configuration before versioning is on at both ends.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[source.versioning, versionings[short]]),
            )


def _replica_name(environment: str, short: str, account_id: str) -> str:
    return bucket_name(environment, short, account_id)


def replication_rules(spec: DrSpec) -> list[dict[str, Any]]:
    """The replication rules of a data bucket, highest priority first (pure, for tests).

    S3 filters only include: to leave a prefix out, a rule for it with a higher priority is
    ``Disabled`` ("if two or more rules with the same destination bucket [match], objects will be
    replicated according to the rule with the highest priority": S3 API Reference, ReplicationRule
    ``Priority``). Every rule replicates SSE-KMS objects (``sse_kms_encrypted_objects``), which S3 skips
    otherwise, re-encrypted under the DR key; delete markers as :class:`DeleteMarkers` says.
    """
    markers = "Enabled" if spec.buckets.delete_markers is DeleteMarkers.REPLICATE else "Disabled"
    prefixes = spec.buckets.excluded_prefixes
    rules = [
        {
            "id": f"exclude-{prefix.strip('/').replace('/', '-')}",
            "priority": len(prefixes) + 1 - i,
            "status": "Disabled",
            "prefix": prefix,
            "delete_markers": "Disabled",
        }
        for i, prefix in enumerate(prefixes)
    ]
    rules.append(
        {"id": "to-dr-region", "priority": 0, "status": "Enabled", "prefix": None, "delete_markers": markers}
    )
    for rule in rules:
        rule["rtc"] = spec.buckets.replication_time_control
    return rules


def _rule(rule: dict[str, Any], replica_arn: pulumi.Input[str], key_arn: pulumi.Input[str]) -> Any:
    rtc = rule["rtc"]
    return aws.s3.BucketReplicationConfigRuleArgs(
        id=rule["id"],
        priority=rule["priority"],
        status=rule["status"],
        filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=rule["prefix"] or ""),
        delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
            status=rule["delete_markers"]
        ),
        source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
            sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                status="Enabled"
            )
        ),
        destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
            bucket=replica_arn,
            storage_class="STANDARD",
            encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                replica_kms_key_id=key_arn
            ),
            replication_time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                status="Enabled",
                time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(
                    minutes=S3_RTC_MINUTES
                ),
            )
            if rtc
            else None,
            metrics=aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs(
                status="Enabled",
                event_threshold=aws.s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                    minutes=S3_RTC_MINUTES
                ),
            )
            if rtc
            else None,
        ),
    )


def dr_key_policy(
    partition: str, account_id: str, region: str, drill_accounts: Sequence[str]
) -> dict[str, Any]:
    """The DR key's policy: the account administers it; drill accounts may decrypt copies through RDS
    and S3 in the DR region only (to copy a shared snapshot, to read a replica bucket)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountRootFullControl",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if drill_accounts:
        statements.append(
            {
                "Sid": "DrillAccountsReadCopies",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:{partition}:iam::{a}:root" for a in sorted(drill_accounts)]},
                "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncryptFrom"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [f"rds.{region}.amazonaws.com", f"s3.{region}.amazonaws.com"]
                    }
                },
            }
        )
    return iam.document(*statements)


def replica_bucket_policy(bucket_arn: str, partition: str, drill_accounts: Sequence[str]) -> dict[str, Any]:
    """TLS only; drill accounts may list and read (never write or delete) the copies."""
    statements: list[dict[str, Any]] = [deny_insecure_transport(bucket_arn)]
    if drill_accounts:
        statements.append(
            {
                "Sid": "DrillAccountsRead",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:{partition}:iam::{a}:root" for a in sorted(drill_accounts)]},
                "Action": ["s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion"],
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
            }
        )
    return iam.document(*statements)


def replication_role_policy(
    source_arns: list[str],
    replica_arns: list[str],
    source_key_arn: str,
    replica_key_arn: str,
    source_region: str,
    replica_region: str,
) -> dict[str, Any]:
    """What S3 needs to replicate SSE-KMS objects (Amazon S3 User Guide, "Replicating encrypted
    objects"): read the sources' versions, write replicas, decrypt with the source key through S3 in
    the primary region and encrypt with the DR key through S3 in the DR region; nothing else."""
    return iam.document(
        {
            "Sid": "ReadSourceConfiguration",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": sorted(source_arns),
        },
        {
            "Sid": "ReadSourceVersions",
            "Effect": "Allow",
            "Action": [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
            ],
            "Resource": [f"{arn}/*" for arn in sorted(source_arns)],
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            "Resource": [f"{arn}/*" for arn in sorted(replica_arns)],
        },
        {
            "Sid": "DecryptSources",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": source_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{source_region}.amazonaws.com"}},
        },
        {
            "Sid": "EncryptReplicas",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": replica_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{replica_region}.amazonaws.com"}},
        },
    )


def source_buckets(
    specs: Sequence[BucketSpec],
    ids: Mapping[str, pulumi.Input[str]],
    arns: Mapping[str, pulumi.Input[str]],
    versionings: Mapping[str, pulumi.Resource],
) -> list[SourceBucket]:
    """The data buckets as :class:`SourceBucket` values (the access-log bucket is never replicated)."""
    return [SourceBucket(spec, ids[spec.name], arns[spec.name], versionings[spec.name]) for spec in specs]
