"""Recovery objectives and the DR/restore checks, pure (no mocks): figures, copies, missing, refusals."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.core.tier import Tier, policy_for
from components.data.atlas_spec import AtlasSpec
from components.data.buckets import BucketsSpec
from components.data.dr_spec import DrSpec, PostgresRestoreSpec, RestoreSpec
from components.data.postgres import PostgresSpec
from components.data.recovery import (
    RDS_BACKUP_REPLICATION_LAG_MINUTES,
    RDS_LOG_UPLOAD_MINUTES,
    S3_REPLICATION_WITHOUT_RTC_MINUTES,
    S3_RTC_MINUTES,
    Scope,
    dr_problems,
    report,
    restore_problems,
)
from components.data.redis import RedisSpec

REGION = "ap-northeast-2"
ACCOUNT = "333333333333"
PG = PostgresSpec.model_validate(
    {
        "instanceClass": "db.r6g.large",
        "allocatedStorageGb": 100,
        "maxAllocatedStorageGb": 1000,
        "backupRetentionDays": 30,
    }
)
BUCKETS = BucketsSpec.model_validate(
    {"buckets": [{"name": "uploads"}, {"name": "exports"}, {"name": "static"}]}
)
REDIS = RedisSpec.model_validate({"nodeType": "cache.r7g.large", "nodes": 3, "snapshotRetentionDays": 7})
ATLAS = AtlasSpec.model_validate(
    {
        "orgId": "0123456789abcdef01234567",
        "cluster": {"instanceSize": "M30", "pointInTime": True, "backupSchedule": {"dailyRetentionDays": 30}},
    }
)


def dr(**values):
    return DrSpec.model_validate({"region": "ap-southeast-1", "rpoMinutes": 60, "rtoMinutes": 120, **values})


def problems(config_dr, *, tier=Tier.PROD, region=REGION, atlas=ATLAS, buckets=BUCKETS):
    return dr_problems(
        tier.value, policy_for(tier), region, ACCOUNT, "prod", config_dr, PG, buckets, atlas, REDIS
    )


def test_prod_like_copies_give_every_durable_store_a_cross_region_copy():
    found = report("prod", REGION, dr(), PG, BUCKETS, ATLAS, REDIS)
    doc = found.as_json()
    assert set(doc) == {"stack", "stores", "missing"}
    assert [s["name"] for s in doc["stores"]] == [
        "postgres",
        "bucket:uploads",
        "bucket:exports",
        "bucket:static",
        "mongodb",
        "redis",
    ]
    assert doc["missing"] == []
    for store in doc["stores"]:
        assert {"name", "kind", "rpo_minutes", "rto_minutes", "copies"} <= set(store)
        assert isinstance(store["rpo_minutes"], int), store["name"]
        assert isinstance(store["rto_minutes"], int), store["name"]
        assert store["rpo_basis"] in ("documented", "estimate")
        assert store["rto_basis"] == "estimate"  # no provider documents restore durations
    durable = [s for s in doc["stores"] if s["durable"]]
    assert all({c["region"] for c in s["copies"]} == {REGION, "ap-southeast-1"} for s in durable)


def test_postgres_rpo_is_the_log_upload_interval_plus_the_estimated_copy_lag():
    store = report("prod", REGION, dr(), PG, None, None, None).stores[0]
    assert store.rpo_minutes == RDS_LOG_UPLOAD_MINUTES + RDS_BACKUP_REPLICATION_LAG_MINUTES
    assert store.rpo_basis == "estimate"  # a documented interval plus an undocumented lag
    assert store.in_region_rpo_minutes == RDS_LOG_UPLOAD_MINUTES
    assert store.copies[1].retention_days == 30  # the primary's retention unless dr sets its own
    assert (
        report("prod", REGION, dr(postgresRetentionDays=14), PG, None, None, None)
        .stores[0]
        .copies[1]
        .retention_days
        == 14
    )


def test_bucket_rpo_is_documented_only_with_replication_time_control():
    with_rtc = report("prod", REGION, dr(), None, BUCKETS, None, None).stores[0]
    assert (with_rtc.rpo_minutes, with_rtc.rpo_basis) == (S3_RTC_MINUTES, "documented")
    without = report(
        "prod", REGION, dr(buckets={"replicationTimeControl": False}), None, BUCKETS, None, None
    ).stores[0]
    assert (without.rpo_minutes, without.rpo_basis) == (S3_REPLICATION_WITHOUT_RTC_MINUTES, "estimate")


def test_atlas_without_oplog_copies_loses_up_to_a_snapshot_interval():
    found = report("prod", REGION, dr(atlasCopyOplogs=False), None, None, ATLAS, None).stores[0]
    assert found.rpo_minutes > 6 * 60  # hourly snapshots every 6 hours, plus the copy
    with_oplogs = report("prod", REGION, dr(), None, None, ATLAS, None).stores[0]
    assert with_oplogs.rpo_minutes < found.rpo_minutes
    assert with_oplogs.in_region_rpo_minutes == 1  # continuous backup


def test_without_dr_every_durable_store_is_missing_and_redis_never_is():
    found = report("staging", REGION, None, PG, BUCKETS, ATLAS, REDIS)
    assert found.missing == ["postgres", "bucket:uploads", "bucket:exports", "bucket:static", "mongodb"]
    assert all(s.scope is Scope.IN_REGION for s in found.stores)
    redis = found.stores[-1]
    assert redis.durable is False
    assert "Postgres" in redis.note


def test_prod_copies_meet_targets_of_an_hour_and_two_hours():
    assert problems(dr()) == []


def test_prod_without_dr_is_refused_and_staging_is_not():
    assert problems(None)[0][0] == "dr"
    assert problems(None, tier=Tier.STAGING) == []


def test_a_dr_region_equal_to_the_primary_is_refused():
    found = problems(dr(region=REGION))
    assert found == [("dr.region", found[0][1])]
    assert "must differ from platform:region (ap-northeast-2)" in found[0][1]
    assert "'ap-northeast-2'" in found[0][1]


def test_an_rpo_below_what_the_copies_give_names_the_key_and_each_store():
    (key, message), *_ = problems(dr(rpoMinutes=10))
    assert key == "dr.rpoMinutes"
    assert message.startswith("10 minutes is beyond what the copies give")
    assert "postgres gives 15 (estimate)" in message
    assert "bucket:uploads gives 15 (documented)" in message
    assert "redis" not in message  # not held to the targets


def test_an_rto_below_the_restore_estimates_is_refused():
    assert [k for k, _ in problems(dr(rtoMinutes=20))] == ["dr.rtoMinutes"]


def test_copying_oplogs_needs_continuous_backup():
    atlas = AtlasSpec.model_validate(
        {"orgId": "0123456789abcdef01234567", "cluster": {"instanceSize": "M30", "backupSchedule": {}}}
    )
    keys = [k for k, _ in problems(dr(rpoMinutes=600, atlasCopyOplogs=True), atlas=atlas)]
    assert "dr.atlasCopyOplogs" in keys
    assert problems(dr(rpoMinutes=600), atlas=atlas) == []  # by default: copied where Atlas keeps it


def test_bad_dr_values_are_refused_by_the_spec():
    with pytest.raises(ValidationError):
        dr(drillAccountIds=["123"])
    with pytest.raises(ValidationError):
        dr(buckets={"excludedPrefixes": ["/tmp"]})
    with pytest.raises(ValidationError):
        dr(region="mars-north-1")


def restore(**values):
    return RestoreSpec.model_validate({"from": "prod", "fromAccountId": ACCOUNT, **values})


def test_a_drill_pointing_at_itself_is_refused():
    found = restore_problems("prod", ACCOUNT, restore(), PG, ATLAS, BUCKETS)
    assert found[0][0] == "restore.from"
    assert "'prod'" in found[0][1]


def test_point_in_time_across_accounts_is_refused_a_shared_snapshot_is_not():
    pitr = restore(postgres={"pointInTime": True})
    found = restore_problems("drill", "111111111111", pitr, PG, ATLAS, BUCKETS)
    assert [k for k, _ in found] == ["restore.postgres.pointInTime"]
    shared = restore(postgres={"snapshot": "arn:aws:rds:ap-southeast-1:333333333333:snapshot:drill-202612"})
    assert restore_problems("drill", "111111111111", shared, PG, ATLAS, BUCKETS) == []
    # Inside the source's account (the region-loss case), a point in time is what RDS offers.
    assert restore_problems("prod-dr", ACCOUNT, pitr, PG, ATLAS, BUCKETS) == []


def test_an_atlas_restore_needs_a_dedicated_target_cluster():
    shared = AtlasSpec.model_validate(
        {
            "orgId": "0123456789abcdef01234567",
            "shared": {"cluster": {"instanceSize": "M10"}, "clusters": ["dev-a"]},
        }
    )
    job = restore(
        atlas={"sourceProjectId": "0123456789abcdef01234567", "snapshotId": "0123456789abcdef01234567"}
    )
    assert [k for k, _ in restore_problems("drill", "111111111111", job, PG, shared, BUCKETS)] == [
        "restore.atlas"
    ]


def test_restore_sources_take_exactly_one_form():
    with pytest.raises(ValidationError):
        PostgresRestoreSpec.model_validate({})
    with pytest.raises(ValidationError):
        PostgresRestoreSpec.model_validate({"snapshot": "s-1", "pointInTime": True})
    with pytest.raises(ValidationError):
        PostgresRestoreSpec.model_validate({"snapshot": "s-1", "restoreTime": "2026-12-01T00:00:00Z"})
    with pytest.raises(ValidationError):
        PostgresRestoreSpec.model_validate({"pointInTime": True, "restoreTime": "yesterday"})
    assert PostgresRestoreSpec.model_validate({"pointInTime": True}).restore_time is None
