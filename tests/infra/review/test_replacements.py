"""The replacement table covers every type the program registers and predicts the known cases."""

from __future__ import annotations

import pytest

from infra.review.compare import _is_custom, compare
from infra.review.replacements import FORCE_NEW, replacement_reasons


def test_every_registered_custom_type_has_a_replacement_rule(documents, services_documents):
    every = [*documents.values(), *services_documents.values()]
    registered = {r["type"] for d in every for r in d["resources"] if _is_custom(r["type"])}
    missing = sorted(registered - set(FORCE_NEW))
    assert not missing, f"add these types to infra/review/replacements.py: {missing}"


def test_every_rule_cites_a_source_and_says_how_it_was_checked():
    for resource_type, rule in FORCE_NEW.items():
        assert rule.source.startswith("https://github.com/"), resource_type
        assert rule.checked in ("source", "docs"), resource_type


@pytest.mark.parametrize(
    ("resource_type", "path", "replaces"),
    [
        # RDS (Terraform schema read at commit 00e4b23): encryption and its key are ForceNew ...
        ("aws:rds/instance:Instance", "storageEncrypted", True),
        ("aws:rds/instance:Instance", "kmsKeyId", True),
        # ... the subnet group is not: RDS moves the instance in place (ModifyDBInstance)
        ("aws:rds/instance:Instance", "dbSubnetGroupName", False),
        ("aws:rds/instance:Instance", "instanceClass", False),
        ("aws:elasticache/replicationGroup:ReplicationGroup", "atRestEncryptionEnabled", True),
        ("aws:elasticache/replicationGroup:ReplicationGroup", "numCacheClusters", False),
        ("aws:s3/bucket:Bucket", "bucket", True),
        ("aws:s3/bucket:Bucket", "tags.team", False),
        ("aws:ec2/subnet:Subnet", "cidrBlock", True),
        ("aws:eks/cluster:Cluster", "encryptionConfig.provider.keyArn", True),
        ("aws:eks/cluster:Cluster", "encryptionConfig.resources[0]", True),
        ("aws:eks/cluster:Cluster", "version", False),
        ("kubernetes:apps/v1:Deployment", "spec.selector.matchLabels.app", True),
        ("kubernetes:apps/v1:Deployment", "spec.template.spec.containers[0].image", False),
        ("kubernetes:batch/v1:Job", "spec.template.spec.containers[0].image", True),
    ],
)
def test_known_replacements(resource_type, path, replaces):
    assert bool(replacement_reasons(resource_type, [path])) is replaces


def _doc(resource_type: str, inputs: dict, protect: bool = False) -> dict:
    urn = f"urn:pulumi:prod::platform::platform:data:X${resource_type}::thing"
    return {
        "resources": [
            {
                "urn": urn,
                "type": resource_type,
                "name": "thing",
                "parent": None,
                "inputs": inputs,
                "protect": protect,
            }
        ]
    }


def test_adding_eks_encryption_to_a_cluster_without_it_is_an_update_but_changing_its_key_replaces():
    cluster = "aws:eks/cluster:Cluster"
    config = {"provider": {"keyArn": "arn:aws:kms:ap-northeast-2:1:key/a"}, "resources": ["secrets"]}
    added = compare(_doc(cluster, {"name": "c"}), _doc(cluster, {"name": "c", "encryptionConfig": config}))
    assert [r.op.value for r in added.resources] == ["update"]
    rotated = {**config, "provider": {"keyArn": "arn:aws:kms:ap-northeast-2:1:key/b"}}
    changed = compare(
        _doc(cluster, {"encryptionConfig": config}), _doc(cluster, {"encryptionConfig": rotated})
    )
    assert [r.op.value for r in changed.resources] == ["replace"]
    assert changed.danger, "replacing the EKS cluster is a danger mark"
