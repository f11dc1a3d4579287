"""Names of data-tier resources and Atlas value formats (pure, no Pulumi)."""

from __future__ import annotations

import re

from components.core.naming import physical_name

_AWS_REGION = re.compile(r"^([a-z]{2}(?:-gov)?)-([a-z]+)-(\d)$")
BUCKET_NAME_MAX = 63
ACCOUNT_ID_LENGTH = 12


def atlas_region(aws_region: str) -> str:
    """The Atlas name of an AWS region: ``ap-northeast-2`` -> ``AP_NORTHEAST_2``.

    Atlas cluster region configs and encryption-at-rest settings take this form; PrivateLink endpoints
    take the AWS form.

    Raises:
        ValueError: ``aws_region`` is not an AWS region name.
    """
    if not _AWS_REGION.fullmatch(aws_region):
        raise ValueError(f"not an AWS region name: {aws_region!r}")
    return aws_region.upper().replace("-", "_")


def identifier(environment: str, store: str) -> str:
    """The identifier of an environment's store: ``platform-<env>-<store>`` (RDS, ElastiCache, Atlas)."""
    return physical_name(environment, store)


def bucket_name(environment: str, name: str, account_id: str) -> str:
    """A globally unique bucket name: ``platform-<env>-<name>-<account>``.

    The account id makes the name unique across AWS without a random suffix, so the name is stable
    and predictable (IAM policies elsewhere can name it).

    Raises:
        ValueError: the name would exceed S3's 63 characters.
    """
    full = physical_name(environment, name, account_id)
    if len(full) > BUCKET_NAME_MAX:
        raise ValueError(f"bucket name {full!r} is longer than {BUCKET_NAME_MAX} characters")
    return full


def max_bucket_short_name(environment: str) -> int:
    """The longest short bucket name that still fits S3's limit for ``environment``."""
    return BUCKET_NAME_MAX - len(physical_name(environment, "", "")) - ACCOUNT_ID_LENGTH


def dev_database(env: str) -> str:
    """The database of a dev environment on a shared cluster (``env_<name>``; Mongo names avoid '-')."""
    return f"env_{env.replace('-', '_')}"


def dev_user(env: str) -> str:
    """The Atlas database user of a dev environment."""
    return f"env-{env}"


def atlas_user_secret(username: str) -> str:
    """The short name of the secret holding an Atlas database user's password (``atlas-<user>``)."""
    return f"atlas-{username}"


def replica_zones(zone_count: int, replicas: int) -> list[int]:
    """AZ indexes for ``replicas`` read replicas, never the primary's zone (index 0).

    A single-AZ primary is pinned to zone 0, so every replica lands in another AZ; replicas spread
    round-robin over the other zones.

    Raises:
        ValueError: fewer than two zones while replicas are wanted.
    """
    if replicas == 0:
        return []
    if zone_count < 2:
        raise ValueError(f"read replicas need at least 2 AZs (one apart from the primary), got {zone_count}")
    return [1 + i % (zone_count - 1) for i in range(replicas)]
