"""The replacement table covers every type the program registers and predicts the known cases."""

from __future__ import annotations

import pytest

from tools.review.compare import _is_custom, compare
from tools.review.replacements import FORCE_NEW, replacement_reasons


def test_every_registered_custom_type_has_a_replacement_rule(documents, services_documents):
    every = [*documents.values(), *services_documents.values()]
    registered = {r["type"] for d in every for r in d["resources"] if _is_custom(r["type"])}
    missing = sorted(registered - set(FORCE_NEW))
    assert not missing, f"add these types to tools/review/replacements.py: {missing}"


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
        ("aws:eks/cluster:Cluster", "name", True),
        ("aws:eks/cluster:Cluster", "version", False),
        ("aws:eks/cluster:Cluster", "vpcConfig.subnetIds[0]", False),
        ("kubernetes:apps/v1:Deployment", "spec.selector.matchLabels.app", True),
        ("kubernetes:apps/v1:Deployment", "spec.template.spec.containers[0].image", False),
        ("kubernetes:batch/v1:Job", "spec.template.spec.containers[0].image", True),
    ],
)
def test_known_replacements(resource_type, path, replaces):
    assert bool(replacement_reasons(resource_type, [(path, "old", "new")])) is replaces


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


CLUSTER = "aws:eks/cluster:Cluster"
ENCRYPTION = {"provider": {"keyArn": "arn:aws:kms:ap-northeast-2:1:key/a"}, "resources": ["secrets"]}


def test_adding_eks_secrets_encryption_is_an_in_place_update():
    # terraform-provider-aws eks/cluster.go: 0 -> 1 encryption_config calls AssociateEncryptionConfig
    added = compare(
        _doc(CLUSTER, {"name": "c"}), _doc(CLUSTER, {"name": "c", "encryptionConfig": ENCRYPTION})
    )
    assert [r.op.value for r in added.resources] == ["update"]
    assert not added.danger


def test_removing_eks_secrets_encryption_replaces_the_cluster_and_is_a_danger():
    # CustomizeDiff ForceNewIfChange("encryption_config"): 1 -> 0 forces a new cluster
    removed = compare(
        _doc(CLUSTER, {"name": "c", "encryptionConfig": ENCRYPTION}), _doc(CLUSTER, {"name": "c"})
    )
    (cluster,) = removed.resources
    assert cluster.op.value == "replace"
    assert cluster.replace_reasons == ("encryptionConfig",)
    assert removed.danger, "replacing the EKS cluster is a danger mark"
