"""The registry's documents and names (pure: plain values in, JSON-ready documents out).

* the service repositories each services stack file needs (:func:`service_repositories`);
* a repository's policy: only the push role pushes, only the environment's node, workload and admission
  roles pull (:func:`repository_policy`);
* the lifecycle policy (:func:`lifecycle_policy`);
* the registries an image may come from (:func:`registry_problem`, :func:`foreign_images`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.core.iam import Statement, document
from components.core.naming import key_alias
from components.registry.spec import LifecycleSpec, RegistrySpec

PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
"""What a pull needs on the repository (the token, ``ecr:GetAuthorizationToken``, is account-wide)."""

PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
"""What ``docker push``, ``cosign sign`` and ``cosign attest`` need (a signature bundle is an image
manifest pushed by digest with a ``subject``: ``PutImage`` again)."""

WRITE_ACTIONS = ("ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart")

NODE_PULL_POLICY = "AmazonEC2ContainerRegistryPullOnly"
"""The nodes' managed ECR policy (v1, 2024-10-04): ``ecr:GetAuthorizationToken``, ``BatchGetImage``,
``GetDownloadUrlForLayer`` and ``ecr:BatchImportUpstreamImage``, which a pull through the cache needs and
``AmazonEC2ContainerRegistryReadOnly`` lacks. It has no ``ecr:CreateRepository``: see
:func:`cache_pull_policy`."""

CACHE_PULL_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository")
"""What the puller of an image not cached yet needs beyond a pull: ECR imports the upstream image, into a
repository it creates on that first pull (ECR user guide, "IAM permissions required to sync an upstream
registry with an Amazon ECR private registry": ``ecr:CreateRepository`` "is required if the repository
storing the cached images doesn't already exist")."""

SERVICE_PREFIX = "product"
"""Service repositories live under ``product/`` (``<registry>/product/gateway``), apart from the cache's
prefixes."""


def cache_pull_policy(
    partition: str, region: str, account_id: str, prefixes: Iterable[str]
) -> dict[str, Any]:
    """The nodes' own grant for the pull-through cache: import and create repositories under the cache's
    prefixes only (``<registry>/k8s/...``, ``<registry>/quay/...``), never under ``product/``, whose
    repositories this program creates and only CI pushes to."""
    return document(
        {
            "Sid": "PullThroughTheCache",
            "Effect": "Allow",
            "Action": list(CACHE_PULL_ACTIONS),
            "Resource": [
                f"arn:{partition}:ecr:{region}:{account_id}:repository/{prefix}/*"
                for prefix in sorted(prefixes)
            ],
        }
    )


KEY_READ_ACTIONS = ("kms:DescribeKey", "kms:GetPublicKey")
"""What ``cosign verify --key awskms:///<key>`` calls (sigstore/sigstore pkg/signature/kms/aws/client.go
v1.10.8, cosign v3.1.2's: ``fetchCMK`` = GetPublicKey + DescribeKey)."""


def push_role_name(environment: str) -> str:
    """The only identity that may push to (and sign for) the environment's service repositories."""
    return f"platform-{environment}-image-push"


def signing_key_alias(environment: str) -> str:
    """``alias/platform-<env>-image-signing``: what ``cosign --key awskms:///<alias ARN>`` names."""
    return key_alias(environment, "image-signing")


@dataclass(frozen=True)
class PromotionSource:
    """The environment below, which this one promotes images from by digest: its account and region.

    Attributes:
        environment: its stack name (its push role's and signing key's names).
        account_id: its account.
        region: its region (its registry's and its signing key's).
    """

    environment: str
    account_id: str
    region: str

    def repositories_arn(self, partition: str) -> str:
        return f"arn:{partition}:ecr:{self.region}:{self.account_id}:repository/{SERVICE_PREFIX}/*"

    def signing_key_alias_arn(self, partition: str) -> str:
        """What the promotion verifies its signatures with: ``awskms:///<this>`` (an alias ARN is how KMS
        names another account's key; sigstore's ``aliasARNRE``)."""
        return f"arn:{partition}:kms:{self.region}:{self.account_id}:{signing_key_alias(self.environment)}"


def promotion_reads(partition: str, source: PromotionSource) -> list[Statement]:
    """The push role's grants on the environment below: pull its service images and read its signing key's
    public key (both also need that environment's consent: its repository policy and key policy name this
    role). A key is matched by its alias (``kms:ResourceAliases``): its ARN holds a random id."""
    return [
        {
            "Sid": "PullFromTheEnvironmentBelow",
            "Effect": "Allow",
            "Action": list(PULL_ACTIONS),
            "Resource": source.repositories_arn(partition),
        },
        {
            "Sid": "ReadTheEnvironmentBelowsSigningKey",
            "Effect": "Allow",
            "Action": list(KEY_READ_ACTIONS),
            "Resource": f"arn:{partition}:kms:{source.region}:{source.account_id}:key/*",
            "Condition": {
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": signing_key_alias(source.environment)}
            },
        },
    ]


def _by_account(role_arns: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for arn in sorted(set(role_arns)):
        found.setdefault(_account_of(arn), []).append(arn)
    return found


def _account_root(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def promotion_key_reads(partition: str, promotion_role_arns: Sequence[str]) -> list[Statement]:
    """Key-policy statements letting the next environment's push role read this signing key's public key:
    by its account's root and an ``aws:PrincipalArn`` condition (KMS refuses a principal that does not
    exist yet, and that role is created after this environment's first deploy)."""
    return [
        {
            "Sid": f"PromotionReadsPublicKey{account}",
            "Effect": "Allow",
            "Principal": {"AWS": _account_root(partition, account)},
            "Action": list(KEY_READ_ACTIONS),
            "Resource": "*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": arns}},
        }
        for account, arns in sorted(_by_account(promotion_role_arns).items())
    ]


def registry_host(account_id: str, region: str) -> str:
    """The environment's private registry, ``<account>.dkr.ecr.<region>.amazonaws.com``."""
    return f"{account_id}.dkr.ecr.{region}.amazonaws.com"


def owned_registries(account_id: str, region: str, spec: RegistrySpec) -> tuple[str, ...]:
    """The registries this environment owns: its own, and its DR replica when it replicates."""
    hosts = [registry_host(account_id, region)]
    if spec.replication_region is not None:
        hosts.append(registry_host(account_id, spec.replication_region))
    return tuple(hosts)


def _within(reference: str, prefix: str) -> bool:
    return reference == prefix or reference.startswith(prefix.rstrip("/") + "/")


def registry_problem(reference: str, owned: Sequence[str], allowed: Sequence[str]) -> str | None:
    """Why ``reference`` may not be deployed: it comes from a registry neither owned nor allowed."""
    if any(_within(reference, host) for host in owned) or any(_within(reference, a) for a in allowed):
        return None
    choices = [f"{host}/..." for host in owned] + [f"{a}/..." for a in allowed]
    return (
        "images come from this environment's registry or platform:registry.allowedRegistries"
        f" ({', '.join(choices)}); push it there (docs/IMAGES.md) or allow its registry"
    )


def foreign_images(apps: Any, owned: Sequence[str], allowed: Sequence[str]) -> list[tuple[str, str]]:
    """``(key, message)`` for every image of a services stack's raw ``apps`` mapping from a registry
    neither owned nor allowed. Reads the raw values (strings only), so an image the schema refuses for
    another reason (``latest``) is still named for its registry."""
    if not isinstance(apps, Mapping):
        return []
    problems = []
    for name, entry in apps.items():
        if not isinstance(entry, Mapping):
            continue
        for field in ("image", "rollbackTo"):
            reference = entry.get(field)
            if not isinstance(reference, str):
                continue
            problem = registry_problem(reference, owned, allowed)
            if problem:
                problems.append((f"apps.{name}.{field}", f"{problem}; got {reference!r}"))
    return problems


def service_repositories(images: Iterable[str], host: str) -> list[str]:
    """The repository names (``product/gateway``) of the ``images`` that live in ``host``, sorted, once
    each (worker-convert and worker-export share ``product/worker``)."""
    found = set()
    for reference in images:
        if not _within(reference, host):
            continue
        path = reference[len(host) + 1 :].split("@", 1)[0]
        slash, colon = path.rfind("/"), path.rfind(":")
        found.add(path[:colon] if colon > slash else path)
    return sorted(found)


def _account_of(role_arn: str) -> str:
    return role_arn.split(":")[4]


def repository_policy(push_role_arn: str, pull_role_arns: Sequence[str]) -> dict[str, Any]:
    """Only ``push_role_arn`` writes; only it and ``pull_role_arns`` read.

    In the same account an identity policy alone would grant access (the nodes' managed policy allows
    every repository), so the exclusivity is two explicit denies on every other IAM principal; AWS
    services acting for ECR (replication, Inspector scans) carry ``aws:PrincipalIsAWSService`` and are
    not denied.

    A role of another account (the next environment's push role, which promotes from here) is named by
    its account's root with an ``aws:PrincipalArn`` condition, never as a principal: ECR refuses a policy
    whose principal does not exist yet ("Principal not found": aws/aws-cdk#16376,
    hashicorp/terraform-provider-aws#39064), and that role is created by the next environment's stack,
    deployed after this one.
    """
    readers = sorted({push_role_arn, *pull_role_arns})
    here = _account_of(push_role_arn)
    local = sorted(arn for arn in pull_role_arns if _account_of(arn) == here)
    remote = _by_account([arn for arn in pull_role_arns if arn not in local])
    partition = push_role_arn.split(":")[1]
    not_aws_service = {"BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}
    statements: list[Statement] = [
        {
            "Sid": "PushRoleWrites",
            "Effect": "Allow",
            "Principal": {"AWS": push_role_arn},
            "Action": list(PUSH_ACTIONS),
        },
        {
            "Sid": "EnvironmentRolesPull",
            "Effect": "Allow",
            "Principal": {"AWS": local},
            "Action": list(PULL_ACTIONS),
        },
    ]
    statements += [
        {
            "Sid": f"PromotionPull{account}",
            "Effect": "Allow",
            "Principal": {"AWS": _account_root(partition, account)},
            "Action": list(PULL_ACTIONS),
            "Condition": {"ArnEquals": {"aws:PrincipalArn": arns}},
        }
        for account, arns in sorted(remote.items())
    ]
    statements += [
        {
            "Sid": "NoOtherWriter",
            "Effect": "Deny",
            "Principal": "*",
            "Action": list(WRITE_ACTIONS),
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": push_role_arn}, **not_aws_service},
        },
        {
            "Sid": "NoOtherReader",
            "Effect": "Deny",
            "Principal": "*",
            "Action": list(PULL_ACTIONS),
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": readers}, **not_aws_service},
        },
    ]
    return document(*statements)


def lifecycle_policy(spec: LifecycleSpec) -> dict[str, Any]:
    """Dev builds (``dev-*``, ``*-dev.*``) expire after ``dev_build_days``; nothing else expires.

    No rule expires untagged images: cosign v3 stores each signature and attestation as an untagged
    manifest whose ``subject`` is the image (an OCI 1.1 referrer), and ECR's lifecycle rules count such
    artifacts as images (aws/containers-roadmap#2613), so an untagged rule would delete the signatures of
    the images the cluster runs and admission would refuse their next pod. In an IMMUTABLE repository a
    tag is never moved, so nothing else becomes untagged.
    """
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"dev builds expire after {spec.dev_build_days} days",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["dev-*", "*-dev.*"],
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": spec.dev_build_days,
                },
                "action": {"type": "expire"},
            }
        ]
    }


REPLICA_CREATION_ACTIONS = ("ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource")
"""What ECR does with a creation template's role when it creates a replica repository (ECR user guide,
"Create a custom policy for repository creation templates"); with the key actions below."""

REPLICA_KEY_ACTIONS = ("kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey")


def replica_creation_trust() -> dict[str, Any]:
    """ECR itself assumes the role of a creation template (ECR user guide, "Create an IAM role for
    repository creation templates")."""
    return document(
        {"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )


def replica_creation_policy(
    partition: str, account_id: str, replica_region: str, replica_key_arn: str
) -> dict[str, Any]:
    """The creation template's role: create the service repositories' replicas in the DR region, and use
    the DR region's key for them (the user guide's example grants both on ``*``; here only the replicas
    of ``product/*`` and that key)."""
    return document(
        {
            "Sid": "CreateReplicas",
            "Effect": "Allow",
            "Action": list(REPLICA_CREATION_ACTIONS),
            "Resource": f"arn:{partition}:ecr:{replica_region}:{account_id}:repository/{SERVICE_PREFIX}/*",
        },
        {
            "Sid": "EncryptReplicasWithTheDrKey",
            "Effect": "Allow",
            "Action": list(REPLICA_KEY_ACTIONS),
            "Resource": replica_key_arn,
        },
    )


SIGNING_KEY_TAG = ("purpose", "image-signing")
"""The tag the image-signing key carries: the platform preview role may read the public key of a key with
this tag only (``kms:GetPublicKey``, :func:`components.bootstrap.access.platform_preview_policy`)."""
