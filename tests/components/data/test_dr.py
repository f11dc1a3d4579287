"""The DR copies under the recording mocks: the DR region's own key, RDS backup replication, S3 replicas
and their replication rules, Atlas copy settings, and the restore inputs of Postgres and Atlas."""

from __future__ import annotations

import json

import pulumi

from components.data.atlas_cluster import AtlasCluster, AtlasClusterArgs
from components.data.atlas_spec import ClusterSpec
from components.data.buckets import BucketSpec
from components.data.dr import (
    DisasterRecovery,
    DisasterRecoveryArgs,
    SourceBucket,
    dr_key_policy,
    replication_rules,
)
from components.data.dr_spec import AtlasRestoreSpec, DrSpec, PostgresRestoreSpec
from components.data.postgres import restore_inputs
from tests.components.data.conftest import DATA_KEY, context
from tests.helpers import inputs, of_type, one, policy

DR_REGION = "ap-southeast-1"
PRIMARY_ARN = "arn:aws:rds:ap-northeast-2:123456789012:db:platform-test-postgres"
SPEC = DrSpec.model_validate(
    {"region": DR_REGION, "rpoMinutes": 60, "rtoMinutes": 120, "drillAccountIds": ["111111111111"]}
)


def mock_arn(kind: str, name: str) -> str:
    """The ARN the recording mocks give a resource (infra/preview/mocks.py)."""
    return f"arn:aws:mock:ap-northeast-2:123456789012:{kind}/{name}"


def build(runtime, spec=SPEC, *, buckets=("uploads", "exports")):
    def create():
        versioning = pulumi.CustomResource("test:index:Versioning", "versioning", {})
        DisasterRecovery(
            "dr",
            DisasterRecoveryArgs(
                spec=spec,
                context=context(),
                environment="test",
                key_deletion_window_days=30,
                key_rotation_period_days=90,
                data_key_arn=DATA_KEY,
                postgres_arn=PRIMARY_ARN,
                postgres_retention_days=30,
                buckets=[
                    SourceBucket(
                        BucketSpec(name=name),
                        f"platform-test-{name}",
                        f"arn:aws:s3:::platform-test-{name}",
                        versioning,
                    )
                    for name in buckets
                ],
                protect=True,
            ),
        )

    return runtime.run(create)


def test_the_dr_key_is_a_single_region_key_of_its_own_in_the_dr_region(mock_runtime):
    resources = build(mock_runtime)
    key = one(resources, "aws:kms/key:Key")
    values = inputs(key)
    assert values["region"] == DR_REGION
    assert values["multiRegion"] is False  # not a replica of the primary's data key (components/data/dr.py)
    assert values["enableKeyRotation"] is True
    assert key.protect
    alias = inputs(one(resources, "aws:kms/alias:Alias"))
    assert (alias["name"], alias["region"]) == ("alias/platform-test-dr-data", DR_REGION)


def test_drill_accounts_may_decrypt_copies_through_rds_and_s3_in_the_dr_region_only():
    doc = dr_key_policy("aws", "123456789012", DR_REGION, ["111111111111"])
    drill = next(s for s in doc["Statement"] if s["Sid"] == "DrillAccountsReadCopies")
    assert drill["Principal"] == {"AWS": ["arn:aws:iam::111111111111:root"]}
    assert "kms:Encrypt" not in drill["Action"]
    assert "kms:ScheduleKeyDeletion" not in drill["Action"]
    assert drill["Condition"]["StringEquals"]["kms:ViaService"] == [
        f"rds.{DR_REGION}.amazonaws.com",
        f"s3.{DR_REGION}.amazonaws.com",
    ]
    assert [s["Sid"] for s in dr_key_policy("aws", "123456789012", DR_REGION, [])["Statement"]] == [
        "AccountRootFullControl"
    ]


def test_postgres_automated_backups_are_replicated_under_the_dr_key(mock_runtime):
    resources = build(mock_runtime)
    replication = one(
        resources, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
    )
    values = inputs(replication)
    assert values["sourceDbInstanceArn"] == PRIMARY_ARN
    assert values["region"] == DR_REGION
    assert values["retentionPeriod"] == 30
    assert values["kmsKeyId"] == mock_arn("key", "dr-key")
    assert replication.protect


def test_every_data_bucket_has_a_versioned_encrypted_replica_in_the_dr_region(mock_runtime):
    resources = build(mock_runtime)
    replicas = of_type(resources, "aws:s3/bucket:Bucket")
    assert sorted(inputs(b)["bucket"] for b in replicas) == [
        "platform-test-exports-dr-123456789012",
        "platform-test-uploads-dr-123456789012",
    ]
    assert all(inputs(b)["region"] == DR_REGION and b.protect for b in replicas)
    key_arn = mock_arn("key", "dr-key")
    for sse in of_type(
        resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ):
        rule = inputs(sse)["rules"][0]["applyServerSideEncryptionByDefault"]
        assert (rule["sseAlgorithm"], rule["kmsMasterKeyId"], inputs(sse)["region"]) == (
            "aws:kms",
            key_arn,
            DR_REGION,
        )
    versionings = of_type(resources, "aws:s3/bucketVersioning:BucketVersioning")
    assert len(versionings) == 2
    assert all(inputs(v)["versioningConfiguration"]["status"] == "Enabled" for v in versionings)
    for bucket_policy in of_type(resources, "aws:s3/bucketPolicy:BucketPolicy"):
        sids = [s["Sid"] for s in policy(bucket_policy)["Statement"]]
        assert sids == ["DenyInsecureTransport", "DrillAccountsRead"]
        drill = policy(bucket_policy)["Statement"][1]
        assert "s3:PutObject" not in drill["Action"]
        assert "s3:DeleteObject" not in drill["Action"]


def test_replication_leaves_tmp_out_keeps_deletes_and_runs_under_rtc(mock_runtime):
    resources = build(mock_runtime)
    config = inputs(one(resources, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "dr-exports"))
    assert config["bucket"] == "platform-test-exports"
    exclude, everything = config["rules"]
    assert (exclude["status"], exclude["filter"]["prefix"]) == ("Disabled", "tmp/")
    assert exclude["priority"] > everything["priority"]  # the higher priority decides for tmp/
    assert (everything["status"], everything["filter"]["prefix"]) == ("Enabled", "")
    assert everything["deleteMarkerReplication"]["status"] == "Disabled"  # deleteMarkers: keep
    assert everything["sourceSelectionCriteria"]["sseKmsEncryptedObjects"]["status"] == "Enabled"
    destination = everything["destination"]
    assert destination["bucket"] == mock_arn("bucket", "dr-exports-dr")
    assert destination["replicationTime"] == {"status": "Enabled", "time": {"minutes": 15}}
    assert destination["metrics"] == {"status": "Enabled", "eventThreshold": {"minutes": 15}}
    assert destination["encryptionConfiguration"]["replicaKmsKeyId"] == mock_arn("key", "dr-key")


def test_replicating_delete_markers_is_a_choice():
    spec = DrSpec.model_validate(
        {"region": DR_REGION, "rpoMinutes": 60, "rtoMinutes": 120, "buckets": {"deleteMarkers": "replicate"}}
    )
    assert replication_rules(spec)[-1]["delete_markers"] == "Enabled"


def test_the_replication_role_reads_sources_writes_replicas_and_uses_each_key_through_s3(mock_runtime):
    resources = build(mock_runtime)
    role = inputs(one(resources, "aws:iam/role:Role"))
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "s3.amazonaws.com"
    }
    statements = {s["Sid"]: s for s in policy(one(resources, "aws:iam/rolePolicy:RolePolicy"))["Statement"]}
    assert statements["DecryptSources"]["Resource"] == DATA_KEY
    assert (
        statements["DecryptSources"]["Condition"]["StringEquals"]["kms:ViaService"]
        == "s3.ap-northeast-2.amazonaws.com"
    )
    assert (
        statements["EncryptReplicas"]["Condition"]["StringEquals"]["kms:ViaService"]
        == f"s3.{DR_REGION}.amazonaws.com"
    )
    assert statements["WriteReplicas"]["Resource"] == [
        mock_arn("bucket", "dr-exports-dr") + "/*",
        mock_arn("bucket", "dr-uploads-dr") + "/*",
    ]


def cluster(runtime, **args):
    spec = ClusterSpec.model_validate({"instanceSize": "M30", "pointInTime": True, "backupSchedule": {}})

    def create():
        AtlasCluster(
            "mongo",
            AtlasClusterArgs(
                spec=spec,
                cluster_name="platform-test-mongo",
                project_id="project-1",
                region="ap-northeast-2",
                encrypted=True,
                depends_on=[],
                protect=False,
                **args,
            ),
        )

    return runtime.run(create)


def test_atlas_copies_every_snapshot_kind_and_the_oplog_to_the_dr_region(mock_runtime):
    schedule = inputs(
        one(
            cluster(mock_runtime, copy_region=DR_REGION, copy_oplogs=True),
            "mongodbatlas:index/cloudBackupSchedule:CloudBackupSchedule",
        )
    )
    assert schedule["copyPolicyItemsEnabled"] is True
    (copy,) = schedule["copySettings"]
    assert (copy["cloudProvider"], copy["regionName"], copy["shouldCopyOplogs"]) == (
        "AWS",
        "AP_SOUTHEAST_1",
        True,
    )
    assert [i["frequencyType"] for i in copy["copyPolicyItems"]] == ["hourly", "daily", "weekly", "monthly"]
    assert copy["zoneId"] == "0" * 24  # the cluster's one zone (the mocks' id, infra/preview/mocks.py)


def test_atlas_without_a_dr_region_copies_nothing(mock_runtime):
    schedule = inputs(
        one(cluster(mock_runtime), "mongodbatlas:index/cloudBackupSchedule:CloudBackupSchedule")
    )
    assert "copySettings" not in schedule


def test_an_atlas_drill_restores_the_source_snapshot_into_its_own_cluster(mock_runtime):
    restore = AtlasRestoreSpec.model_validate(
        {"sourceProjectId": "0123456789abcdef01234567", "snapshotId": "89abcdef0123456789abcdef"}
    )
    resources = cluster(mock_runtime, restore=restore, restore_source_cluster="platform-prod-mongo")
    job = inputs(
        one(resources, "mongodbatlas:index/cloudBackupSnapshotRestoreJob:CloudBackupSnapshotRestoreJob")
    )
    assert (job["projectId"], job["clusterName"], job["snapshotId"]) == (
        "0123456789abcdef01234567",
        "platform-prod-mongo",
        "89abcdef0123456789abcdef",
    )
    delivery = job["deliveryTypeConfig"]
    assert delivery["automated"] is True
    assert (delivery["targetClusterName"], delivery["targetProjectId"]) == (
        "platform-test-mongo",
        "project-1",
    )


def test_postgres_restores_a_snapshot_or_a_point_in_time():
    snapshot = PostgresRestoreSpec.model_validate({"snapshot": "drill-202612"})
    assert restore_inputs(snapshot, "platform-prod-postgres") == {"snapshot_identifier": "drill-202612"}
    latest = restore_inputs(
        PostgresRestoreSpec.model_validate({"pointInTime": True}), "platform-prod-postgres"
    )
    pitr = latest["restore_to_point_in_time"]
    assert (pitr.use_latest_restorable_time, pitr.source_db_instance_identifier) == (
        True,
        "platform-prod-postgres",
    )
    arn = "arn:aws:rds:ap-southeast-1:333333333333:auto-backup:ab-abc123"
    replicated = restore_inputs(
        PostgresRestoreSpec.model_validate(
            {"pointInTime": True, "restoreTime": "2026-12-01T03:00:00Z", "sourceAutomatedBackupsArn": arn}
        ),
        "platform-prod-postgres",
    )["restore_to_point_in_time"]
    assert (replicated.restore_time, replicated.source_db_instance_automated_backups_arn) == (
        "2026-12-01T03:00:00Z",
        arn,
    )
    assert replicated.source_db_instance_identifier is None
    assert replicated.use_latest_restorable_time is None
    assert restore_inputs(None, None) == {}
