"""``ImageRegistry``: the environment's ECR service repositories, scanning, replication, the push role and
its push role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.core import iam
from components.core.context import AwsContext
from components.registry import policies
from components.registry.spec import RegistrySpec

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
"""The GitHub OIDC provider the account's bootstrap creates (``components/bootstrap/github_oidc.py``)."""


@dataclass(frozen=True)
class ImageRegistryArgs:
    """Inputs of :class:`ImageRegistry`.

    Attributes:
        spec: ``platform:registry``.
        context: account, partition, region, permissions boundary.
        environment: the stack name (role and alias names).
        repositories: the service repositories to create (``product/gateway``), from the services stack file.
        data_key_arn: the environment's data key, which encrypts the service repositories.
        signing_key_arn: the key the push role signs with (:class:`components.registry.signing.SigningKey`).
        pull_role_arns: the roles that may pull service images: the nodes', the workloads', Kyverno's.
        replica_key_arn: the DR region's key (``platform:dr``, :class:`components.data.dr.DisasterRecovery`)
            that encrypts the replicas ECR creates in ``replicationRegion`` (a ``REPLICATION`` creation
            template). Defaults to none: ECR creates them with AES256.
        protect: protect the repositories and the signing key (the tier decides). Unprotected
            repositories are force-deletable (their images go with them).
        promotion_source: the environment below, which the push role promotes images from by digest
            (pull, and read its signing key's public key). Defaults to none (builds come here).
    """

    spec: RegistrySpec
    context: AwsContext
    environment: str
    repositories: Sequence[str]
    data_key_arn: pulumi.Input[str]
    signing_key_arn: pulumi.Input[str]
    pull_role_arns: Sequence[pulumi.Input[str]]
    replica_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    promotion_source: policies.PromotionSource | None = None


class ImageRegistry(pulumi.ComponentResource):
    """Service repositories (IMMUTABLE tags, KMS, lifecycle, push/pull policy), ENHANCED scanning,
    replication to the DR region and the push role (which may sign with the signing key). The pull-through cache is :class:`components.registry.cache.PullThroughCache` (the add-ons pull
    through it, so it comes before the cluster)."""

    repository_urls: dict[str, pulumi.Output[str]]
    push_role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ImageRegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:registry:ImageRegistry", name, None, opts)
        spec, ctx = args.spec, args.context
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=args.protect)

        push_role = aws.iam.Role(
            f"{name}-push",
            name=policies.push_role_name(args.environment),
            description="Pushes and signs the product's images (GitHub Actions, build-and-sign.yml)",
            assume_role_policy=pulumi.Output.all(ctx.partition, ctx.account_id).apply(
                lambda v: iam.dumps(github_trust(v[0], v[1], spec.push_subjects))
            ),
            max_session_duration=3600,
            permissions_boundary=ctx.permissions_boundary,
            opts=child,
        )

        self.repository_urls = {}
        repository_arns = []
        for repository in args.repositories:
            short = repository.replace("/", "-")
            repo = aws.ecr.Repository(
                f"{name}-{short}",
                name=repository,
                image_tag_mutability=spec.tag_mutability.value,
                encryption_configurations=[
                    aws.ecr.RepositoryEncryptionConfigurationArgs(
                        encryption_type="KMS", kms_key=args.data_key_arn
                    )
                ],
                force_delete=not args.protect,
                opts=kept,
            )
            aws.ecr.LifecyclePolicy(
                f"{name}-{short}",
                repository=repo.name,
                policy=iam.dumps(policies.lifecycle_policy(spec.lifecycle)),
                opts=child,
            )
            aws.ecr.RepositoryPolicy(
                f"{name}-{short}",
                repository=repo.name,
                policy=pulumi.Output.all(push_role.arn, *args.pull_role_arns).apply(
                    lambda arns: iam.dumps(policies.repository_policy(arns[0], arns[1:]))
                ),
                opts=child,
            )
            self.repository_urls[repository] = repo.repository_url
            repository_arns.append(repo.arn)

        aws.iam.RolePolicy(
            f"{name}-push",
            role=push_role.id,
            policy=pulumi.Output.all(ctx.partition, args.signing_key_arn, *repository_arns).apply(
                lambda v: iam.dumps(push_policy(v[1], v[2:], v[0], args.promotion_source))
            ),
            opts=child,
        )

        frequency = "CONTINUOUS_SCAN" if spec.continuous_scan else "SCAN_ON_PUSH"
        aws.ecr.RegistryScanningConfiguration(
            f"{name}-scanning",
            scan_type="ENHANCED",
            rules=[
                aws.ecr.RegistryScanningConfigurationRuleArgs(
                    scan_frequency=frequency,
                    repository_filters=[
                        aws.ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs(
                            filter=f"{policies.SERVICE_PREFIX}/*", filter_type="WILDCARD"
                        )
                    ],
                ),
                # The add-ons' cached images: scanned when they arrive.
                aws.ecr.RegistryScanningConfigurationRuleArgs(
                    scan_frequency="SCAN_ON_PUSH",
                    repository_filters=[
                        aws.ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs(
                            filter="*", filter_type="WILDCARD"
                        )
                    ],
                ),
            ],
            opts=child,
        )

        if spec.replication_region is not None:
            templates = []
            if args.replica_key_arn is not None:
                templates.append(self._replica_template(name, args, spec.replication_region))
            aws.ecr.ReplicationConfiguration(
                f"{name}-replication",
                replication_configuration=aws.ecr.ReplicationConfigurationReplicationConfigurationArgs(
                    rules=[
                        aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs(
                            destinations=[
                                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs(
                                    region=spec.replication_region, registry_id=ctx.account_id
                                )
                            ],
                            repository_filters=[
                                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs(
                                    filter=policies.SERVICE_PREFIX, filter_type="PREFIX_MATCH"
                                )
                            ],
                        )
                    ]
                ),
                # The template first: ECR applies it only to the replicas it creates afterwards.
                opts=pulumi.ResourceOptions(parent=self, depends_on=templates),
            )

        self.push_role_arn = push_role.arn
        self.register_outputs({"repository_urls": self.repository_urls, "push_role_arn": self.push_role_arn})

    def _replica_template(
        self, name: str, args: ImageRegistryArgs, region: str
    ) -> aws.ecr.RepositoryCreationTemplate:
        """The ``REPLICATION`` creation template of the DR region: the service repositories' replicas with
        the same tag mutability and lifecycle, encrypted with the DR region's key (the primary's data key
        is single-Region). A KMS key in a template needs a role ECR assumes (``custom_role_arn``)."""
        ctx, spec = args.context, args.spec
        assert args.replica_key_arn is not None
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-replicas",
            name=f"platform-{args.environment}-image-replicas",
            description="ECR creates the service images' replicas in the DR region with the DR key",
            assume_role_policy=iam.dumps(policies.replica_creation_trust()),
            permissions_boundary=ctx.permissions_boundary,
            opts=child,
        )
        grants = aws.iam.RolePolicy(
            f"{name}-replicas",
            role=role.id,
            policy=pulumi.Output.all(ctx.partition, ctx.account_id, args.replica_key_arn).apply(
                lambda v: iam.dumps(policies.replica_creation_policy(v[0], v[1], region, v[2]))
            ),
            opts=child,
        )
        return aws.ecr.RepositoryCreationTemplate(
            f"{name}-replicas",
            region=region,
            prefix=policies.SERVICE_PREFIX,
            description="Replicas of the service repositories (DR region)",
            applied_fors=["REPLICATION"],
            image_tag_mutability=spec.tag_mutability.value,
            encryption_configurations=[
                aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(
                    encryption_type="KMS", kms_key=args.replica_key_arn
                )
            ],
            lifecycle_policy=iam.dumps(policies.lifecycle_policy(spec.lifecycle)),
            custom_role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[grants]),
        )


def github_trust(partition: str, account_id: str, subjects: Sequence[str]) -> dict[str, object]:
    """Trust of the push role: GitHub's OIDC tokens whose ``sub`` is exactly one of ``subjects``."""
    provider = f"arn:{partition}:iam::{account_id}:oidc-provider/{GITHUB_OIDC_HOST}"
    return iam.document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                    f"{GITHUB_OIDC_HOST}:sub": sorted(subjects),
                }
            },
        }
    )


def push_policy(
    signing_key_arn: str,
    repository_arns: Sequence[str],
    partition: str = "aws",
    source: policies.PromotionSource | None = None,
) -> dict[str, object]:
    """What the push role may do: push to the service repositories, sign with the signing key (and read
    its public key, which ``cosign`` fetches to check what it signed); promoting, pull from the environment
    below and read its signing key's public key."""
    statements: list[iam.Statement] = [
        {"Sid": "RegistryToken", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "SignImages",
            "Effect": "Allow",
            "Action": ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"],
            "Resource": signing_key_arn,
        },
    ]
    if repository_arns:
        statements.insert(
            1,
            {
                "Sid": "PushServiceImages",
                "Effect": "Allow",
                "Action": list(policies.PUSH_ACTIONS),
                "Resource": sorted(repository_arns),
            },
        )
    if source is not None:
        statements += policies.promotion_reads(partition, source)
    return iam.document(*statements)
