"""The registry's documents: who may push and pull, what expires, where images may come from (pure)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.registry.policies import (
    CACHE_PULL_ACTIONS,
    NODE_PULL_POLICY,
    PULL_ACTIONS,
    WRITE_ACTIONS,
    cache_pull_policy,
    foreign_images,
    lifecycle_policy,
    owned_registries,
    registry_host,
    registry_problem,
    repository_policy,
    service_repositories,
)
from components.registry.spec import LifecycleSpec, RegistrySpec

HOST = "333333333333.dkr.ecr.ap-northeast-2.amazonaws.com"
PUSH = "arn:aws:iam::333333333333:role/platform-prod-image-push"
NODES = "arn:aws:iam::333333333333:role/prod-cluster-nodes-abc"
WORKLOAD = "arn:aws:iam::333333333333:role/platform-prod-workload-gateway"
DIGEST = "sha256:" + "1" * 64


def statement(policy: dict, sid: str) -> dict:
    return next(s for s in policy["Statement"] if s["Sid"] == sid)


def test_only_the_push_role_writes_and_every_other_principal_is_denied_writes():
    policy = repository_policy(PUSH, [NODES, WORKLOAD])
    assert statement(policy, "PushRoleWrites")["Principal"] == {"AWS": PUSH}
    deny = statement(policy, "NoOtherWriter")
    assert deny["Effect"] == "Deny"
    assert set(deny["Action"]) == set(WRITE_ACTIONS)
    assert deny["Condition"]["ArnNotEquals"] == {"aws:PrincipalArn": PUSH}


def test_a_role_of_another_account_pulls_through_its_accounts_root_and_a_condition():
    # ECR refuses a policy naming a principal that does not exist yet (aws/aws-cdk#16376): the next
    # environment's push role is created after this environment's first deploy.
    staging_push = "arn:aws:iam::222222222222:role/platform-staging-image-push"
    policy = repository_policy(PUSH, [NODES, staging_push])
    assert statement(policy, "EnvironmentRolesPull")["Principal"] == {"AWS": [NODES]}
    promotion = statement(policy, "PromotionPull222222222222")
    assert promotion["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    assert promotion["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [staging_push]}}
    assert set(promotion["Action"]) == set(PULL_ACTIONS)
    assert staging_push in statement(policy, "NoOtherReader")["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]


def test_only_the_environments_roles_pull_and_aws_services_are_not_denied():
    policy = repository_policy(PUSH, [WORKLOAD, NODES])
    allow = statement(policy, "EnvironmentRolesPull")
    assert allow["Principal"] == {"AWS": sorted([NODES, WORKLOAD])}
    assert set(allow["Action"]) == set(PULL_ACTIONS)
    deny = statement(policy, "NoOtherReader")
    assert deny["Condition"]["ArnNotEquals"] == {"aws:PrincipalArn": sorted([PUSH, NODES, WORKLOAD])}
    # replication and Inspector act as AWS services: the denies leave them alone
    assert deny["Condition"]["BoolIfExists"] == {"aws:PrincipalIsAWSService": "false"}


def test_lifecycle_expires_dev_builds_and_never_untagged_signatures():
    rules = lifecycle_policy(LifecycleSpec(dev_build_days=10))["rules"]
    assert len(rules) == 1
    selection = rules[0]["selection"]
    assert selection["tagStatus"] == "tagged"
    assert selection["tagPatternList"] == ["dev-*", "*-dev.*"]
    assert (selection["countType"], selection["countNumber"]) == ("sinceImagePushed", 10)
    # cosign v3's bundles are untagged referrers: no rule may select untagged images
    assert all(r["selection"]["tagStatus"] != "untagged" for r in rules)


def test_no_setting_promises_an_untagged_expiry_the_policy_would_not_keep():
    with pytest.raises(ValidationError, match="untaggedDays"):
        LifecycleSpec.model_validate({"untaggedDays": 7})


def test_service_repositories_are_the_owned_images_once_each():
    images = [
        f"{HOST}/product/gateway:1.4.2-ab12cd3@{DIGEST}",
        f"{HOST}/product/worker:v1.4.2@{DIGEST}",
        f"{HOST}/product/worker:v1.4.1@{DIGEST}",  # worker-export, or a rollbackTo
        f"{HOST}/product/web:dev-2611220100",
        "public.ecr.aws/acme/sidecar:v1.0.0",  # allowed elsewhere, not created here
    ]
    assert service_repositories(images, HOST) == ["product/gateway", "product/web", "product/worker"]


def test_owned_registries_include_the_dr_replica():
    spec = RegistrySpec.model_validate(
        {"pushSubjects": ["repo:a/b:ref:refs/heads/main"], "replicationRegion": "ap-northeast-1"}
    )
    assert owned_registries("333333333333", "ap-northeast-2", spec) == (
        HOST,
        "333333333333.dkr.ecr.ap-northeast-1.amazonaws.com",
    )
    assert registry_host("111111111111", "us-east-1") == "111111111111.dkr.ecr.us-east-1.amazonaws.com"


def test_registry_problem_matches_whole_path_segments():
    assert registry_problem(f"{HOST}/product/web:v1.0.0", [HOST], []) is None
    assert registry_problem("public.ecr.aws/acme/tool:v1", [HOST], ["public.ecr.aws/acme"]) is None
    # a prefix that is not a whole segment is another registry
    assert registry_problem("public.ecr.aws/acmecorp/tool:v1", [HOST], ["public.ecr.aws/acme"]) is not None
    assert registry_problem(f"{HOST}.evil.example/product/web:v1", [HOST], []) is not None


def test_foreign_images_names_key_and_value_even_for_a_latest_tag():
    apps = {
        "web": {"image": "docker.io/library/nginx:latest"},
        "gateway": {"image": f"{HOST}/product/gateway:v1.4.2@{DIGEST}", "rollbackTo": "ghcr.io/x/y:v1"},
        "broken": "not a mapping",
    }
    found = dict(foreign_images(apps, [HOST], []))
    assert set(found) == {"apps.web.image", "apps.gateway.rollbackTo"}
    assert found["apps.web.image"].endswith("got 'docker.io/library/nginx:latest'")
    assert HOST in found["apps.web.image"]
    assert foreign_images(None, [HOST], []) == []


def test_nodes_use_the_pull_only_managed_policy():
    # AmazonEC2ContainerRegistryReadOnly lacks ecr:BatchImportUpstreamImage, which a pull through the cache needs
    from components.cluster.policies import NODE_MANAGED_POLICIES

    assert NODE_PULL_POLICY in NODE_MANAGED_POLICIES
    assert "AmazonEC2ContainerRegistryReadOnly" not in NODE_MANAGED_POLICIES


def test_the_nodes_may_create_repositories_only_under_the_caches_prefixes():
    # PullOnly v1 (ecr:GetAuthorizationToken, BatchGetImage, GetDownloadUrlForLayer, BatchImportUpstreamImage)
    # has no ecr:CreateRepository, which the first pull of an image not cached yet needs (ECR user guide).
    document = cache_pull_policy("aws", "ap-northeast-2", "333333333333", ["quay", "k8s"])
    (grant,) = document["Statement"]
    assert grant["Effect"] == "Allow"
    assert (
        sorted(grant["Action"])
        == sorted(CACHE_PULL_ACTIONS)
        == [
            "ecr:BatchImportUpstreamImage",
            "ecr:CreateRepository",
        ]
    )
    assert grant["Resource"] == [
        "arn:aws:ecr:ap-northeast-2:333333333333:repository/k8s/*",
        "arn:aws:ecr:ap-northeast-2:333333333333:repository/quay/*",
    ]
    assert not any("product" in r for r in grant["Resource"])


def test_the_replica_creation_role_creates_only_product_replicas_in_the_dr_region_with_the_dr_key():
    from components.registry.policies import replica_creation_policy, replica_creation_trust

    key = "arn:aws:kms:ap-northeast-1:333333333333:key/dr"
    grants = {
        s["Sid"]: s
        for s in replica_creation_policy("aws", "333333333333", "ap-northeast-1", key)["Statement"]
    }
    assert grants["CreateReplicas"]["Action"] == [
        "ecr:CreateRepository",
        "ecr:ReplicateImage",
        "ecr:TagResource",
    ]
    assert (
        grants["CreateReplicas"]["Resource"] == "arn:aws:ecr:ap-northeast-1:333333333333:repository/product/*"
    )
    assert grants["EncryptReplicasWithTheDrKey"]["Action"] == [
        "kms:CreateGrant",
        "kms:RetireGrant",
        "kms:DescribeKey",
    ]
    assert grants["EncryptReplicasWithTheDrKey"]["Resource"] == key
    (trust,) = replica_creation_trust()["Statement"]
    assert trust["Principal"] == {"Service": "ecr.amazonaws.com"}
