"""Disaster recovery over the repository's stacks: the prod preview carries the copies, dev none;
``python -m tools dr`` reports every store; bad DR config exits 2 naming the key."""

from __future__ import annotations

import json

import pytest

from tests.conftest import stack_run
from tests.helpers import inputs, of_type, one
from tests.settings.test_config_errors import document, project, run_cli, write
from tools import cli

DR_TYPES = (
    "platform:data:DisasterRecovery",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
)


def test_prod_preview_replicates_backups_buckets_and_atlas_snapshots_to_the_dr_region():
    resources = stack_run("prod", preview=True).resources
    backups = inputs(
        one(resources, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
    )
    assert backups["region"] == "ap-northeast-1"
    assert backups["retentionPeriod"] == 30
    assert "kmsKeyId" in backups
    assert "sourceDbInstanceArn" in backups
    assert len(of_type(resources, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")) == 3
    schedule = inputs(one(resources, "mongodbatlas:index/cloudBackupSchedule:CloudBackupSchedule"))
    assert schedule["copySettings"][0]["regionName"] == "AP_NORTHEAST_1"
    assert schedule["copySettings"][0]["shouldCopyOplogs"] is True
    replicas = [
        b for b in of_type(resources, "aws:s3/bucket:Bucket") if inputs(b).get("region") == "ap-northeast-1"
    ]
    assert len(replicas) == 3
    assert all(b.protect for b in replicas)


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_stacks_without_platform_dr_have_none_of_the_dr_resources(stack):
    resources = stack_run(stack, preview=True).resources
    assert not [r for r in resources if r.type in DR_TYPES]
    assert not [r for r in resources if inputs(r).get("region") not in (None, "ap-northeast-2")]
    for schedule in of_type(resources, "mongodbatlas:index/cloudBackupSchedule:CloudBackupSchedule"):
        assert "copySettings" not in inputs(schedule)


def test_dr_json_lists_every_store_with_numbers_and_prod_misses_no_copy(capsys, shared_runs):
    code, output = run_cli(capsys, "dr", "--stack", "prod", "--json")
    assert code == 0, output
    doc = json.loads(output)
    assert set(doc) == {"stack", "stores", "missing"}
    assert doc["stack"] == "prod"
    names = [s["name"] for s in doc["stores"]]
    assert names == ["postgres", "bucket:uploads", "bucket:exports", "bucket:static", "mongodb", "redis"]
    for store in doc["stores"]:
        assert isinstance(store["rpo_minutes"], int), store
        assert isinstance(store["rto_minutes"], int), store
        assert store["copies"], store
    assert doc["missing"] == []


def test_dr_of_dev_names_the_stores_without_a_copy_outside_the_region(capsys):
    code, output = run_cli(capsys, "dr", "--stack", "dev", "--json")
    assert code == 0
    assert json.loads(output)["missing"] == [
        "postgres",
        "bucket:uploads",
        "bucket:exports",
        "bucket:static",
        "mongodb",
    ]
    code, text = run_cli(capsys, "dr", "--stack", "prod")
    assert code == 0
    assert "no copy outside the region: none" in text


BAD_DR = [
    ("same region", {"region": "ap-northeast-2"}, "platform:dr.region: must differ from platform:region"),
    (
        "rpo beyond the copies",
        {"rpoMinutes": 5},
        "platform:dr.rpoMinutes: 5 minutes is beyond what the copies give",
    ),
    ("rto beyond the estimates", {"rtoMinutes": 10}, "platform:dr.rtoMinutes: 10 minutes is beyond"),
]


@pytest.mark.parametrize(("case", "change", "expected"), BAD_DR, ids=[c[0] for c in BAD_DR])
def test_bad_dr_config_exits_2_naming_the_key(tmp_path, capsys, case, change, expected):
    root = project(tmp_path)
    doc = document("prod")
    doc["config"]["platform:dr"].update(change)
    write(root / "infra" / "Pulumi.prod.yaml", doc)
    for argv in (
        ("dr", "--stack", "prod", "--root", str(root)),
        ("preview", "--stack", "prod", "--root", str(root)),
    ):
        code, output = run_cli(capsys, *argv)
        assert code == cli.EXIT_CONFIG, output
        assert expected in output
        assert "Traceback" not in output


def test_prod_without_platform_dr_exits_2(tmp_path, capsys):
    root = project(tmp_path)
    doc = document("prod")
    del doc["config"]["platform:dr"]
    write(root / "infra" / "Pulumi.prod.yaml", doc)
    code, output = run_cli(capsys, "dr", "--stack", "prod", "--root", str(root))
    assert code == cli.EXIT_CONFIG
    assert "platform:dr: prod keeps a copy of every store in a second region" in output


def test_a_drill_pointing_at_itself_exits_2(tmp_path, capsys):
    root = project(tmp_path)
    doc = document("staging")
    doc["config"]["platform:restore"] = {
        "from": "staging",
        "fromAccountId": "222222222222",
        "postgres": {"pointInTime": True},
    }
    write(root / "infra" / "Pulumi.staging.yaml", doc)
    code, output = run_cli(capsys, "preview", "--stack", "staging", "--root", str(root))
    assert code == cli.EXIT_CONFIG
    assert "platform:restore.from: a restore drill builds its stores from another stack's backups" in output


@pytest.mark.parametrize(("stack", "days"), [("staging", 1), ("prod", 7)])
def test_staging_and_prod_redis_keep_daily_snapshots_and_a_final_one(stack, days):
    group = inputs(one(stack_run(stack).resources, "aws:elasticache/replicationGroup:ReplicationGroup"))
    assert group["snapshotRetentionLimit"] >= days
    assert group["finalSnapshotIdentifier"] == f"platform-{stack}-redis-final"


def test_staging_takes_copies_by_config(tmp_path, capsys):
    root = project(tmp_path)
    doc = document("staging")
    doc["config"]["platform:atlas"]["cluster"]["backupSchedule"] = {"dailyRetentionDays": 7}
    doc["config"]["platform:dr"] = {"region": "ap-northeast-1", "rpoMinutes": 480, "rtoMinutes": 120}
    write(root / "infra" / "Pulumi.staging.yaml", doc)
    code, output = run_cli(capsys, "dr", "--stack", "staging", "--root", str(root), "--json")
    assert code == 0, output
    report = json.loads(output)
    assert report["missing"] == []
    # Without continuous backup, Atlas's copy is as old as its last snapshot: hours, not minutes.
    mongodb = next(s for s in report["stores"] if s["name"] == "mongodb")
    assert mongodb["rpo_minutes"] > 6 * 60


def test_images_and_data_share_one_dr_region(tmp_path, capsys):
    root = project(tmp_path)
    doc = document("prod")
    doc["config"]["platform:registry"]["replicationRegion"] = "ap-southeast-1"
    write(root / "infra" / "Pulumi.prod.yaml", doc)
    code, output = run_cli(capsys, "dr", "--stack", "prod", "--root", str(root))
    assert code == cli.EXIT_CONFIG
    assert (
        "platform:registry.replicationRegion: must be the DR region of platform:dr.region (ap-northeast-1)"
        in output
    )
