"""The data tier's tier guardrails and config errors, as a person running a preview would read them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from settings import stacks
from settings.config import ConfigError, parse


def raw(stack: str, **sections: Any) -> dict[str, str]:
    """The repository stack's config, with ``sections`` (``postgres=...``) merged into ``platform:*``."""
    config = dict(stacks.read(stack).config)
    for key, changes in sections.items():
        name = f"platform:{key}"
        value = json.loads(config[name]) if name in config else {}
        config[name] = json.dumps({**value, **changes})
    return config


def problems(stack: str, secret_keys: tuple[str, ...] = (), **sections: Any) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse(raw(stack, **sections), stack, secret_keys=secret_keys)
    return raised.value.problems


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_repository_stacks_pass_every_guardrail(stack):
    settings = parse(raw(stack), stack)
    assert settings.config.postgres is not None
    assert settings.config.redis is not None
    assert settings.config.buckets is not None
    assert settings.config.atlas is not None


def test_backup_retention_per_tier_is_1_7_and_30_days():
    days = {s: parse(raw(s), s).config.postgres.backup_retention_days for s in ("dev", "staging", "prod")}
    assert days == {"dev": 1, "staging": 7, "prod": 30}


def test_prod_refuses_short_postgres_backups():
    assert problems("prod", postgres={"backupRetentionDays": 3}) == [
        "platform:postgres.backupRetentionDays: prod keeps backups at least 7 days; got 3"
    ]


def test_prod_keeps_postgres_logs_a_year():
    assert problems("prod", postgres={"logRetentionDays": 90}) == [
        "platform:postgres.logRetentionDays: prod keeps PostgreSQL logs at least 365 days; got 90"
    ]
    assert parse(raw("prod"), "prod").config.postgres.log_retention_days >= 365


def test_staging_needs_a_read_replica_and_multi_az():
    assert problems("staging", postgres={"readReplicas": 0, "multiAz": False}) == [
        "platform:postgres.readReplicas: staging needs at least 1 read replica(s); got 0",
        "platform:postgres.multiAz: staging needs a Multi-AZ primary; got false",
    ]


def test_prod_redis_needs_two_nodes_for_failover_and_a_week_of_snapshots():
    assert problems("prod", redis={"nodes": 1, "snapshotRetentionDays": 1}) == [
        "platform:redis.nodes: prod needs at least 2 nodes (automatic failover and Multi-AZ); got 1",
        "platform:redis.snapshotRetentionDays: prod keeps snapshots at least 7 day(s); got 1",
    ]


def test_dev_may_run_one_node_without_replicas():
    settings = parse(raw("dev", redis={"nodes": 1}, postgres={"readReplicas": 0, "multiAz": False}), "dev")
    assert settings.config.redis.nodes == 1


def test_prod_atlas_needs_point_in_time_schedule_and_termination_protection():
    cluster = json.loads(raw("prod")["platform:atlas"])["cluster"]
    loose = {**cluster, "pointInTime": False, "terminationProtection": False}
    del loose["backupSchedule"]
    assert problems("prod", atlas={"cluster": loose}) == [
        "platform:atlas.cluster.pointInTime: prod needs point-in-time restore; got false",
        "platform:atlas.cluster.backupSchedule: prod needs an explicit backup schedule; got none",
        "platform:atlas.cluster.terminationProtection: prod needs termination protection; got false",
    ]


def test_staging_cannot_run_on_shared_dev_slots():
    shared = json.loads(raw("dev")["platform:atlas"])["shared"]
    found = problems("staging", atlas={"cluster": None, "shared": shared})
    assert (
        "platform:atlas.cluster: staging runs MongoDB on a dedicated cluster; got shared dev slots" in found
    )


def test_protect_cannot_be_loosened_in_prod():
    config = raw("prod")
    config["platform:protect"] = "false"
    with pytest.raises(ConfigError) as raised:
        parse(config, "prod")
    assert any(
        p.startswith("platform:protect: prod protects stateful resources") for p in raised.value.problems
    )


def test_config_errors_name_the_full_key_and_value():
    assert problems("dev", postgres={"instanceClass": "big"}) == [
        "platform:postgres.instanceClass: must be an RDS instance class such as db.t4g.medium or db.r6g.large;"
        ' got "big"'
    ]
    found = problems("dev", redis={"nodeTyp": "cache.t4g.micro"})
    assert found[0].startswith("platform:redis.nodeTyp: unknown key (did you mean nodeType?) (allowed here: ")


def test_secret_atlas_keys_are_masked_in_errors():
    found = problems(
        "dev", secret_keys=("platform:atlas",), atlas={"publicKey": "AKIAPUBLIC", "orgId": "nope"}
    )
    assert found == [
        "platform:atlas.orgId: must be an Atlas organization id (24 hexadecimal characters); got [secret]"
    ]
    assert not any("AKIAPUBLIC" in p for p in found)
