"""Keys: one CMK per data class, rotation on every 90 days, no wildcard principals, tier protection."""

from __future__ import annotations

import pulumi
import pytest

from components.core.context import AwsContext
from components.core.iam import wildcard_principals
from components.security.key_policies import KeyPurpose, key_policy
from components.security.keys import Keys, KeysArgs, KeysSpec
from tests.conftest import stack_run
from tests.helpers import inputs, of_type, one, policy
from tools.preview.mocks import ACCOUNT_ID

KEY = "aws:kms/key:Key"
REGION = "ap-northeast-2"


def data_class_keys(stack: str) -> list:
    """The keys of ``Keys`` (the image-signing key is the registry's: tests/components/registry)."""
    return [k for k in of_type(stack_run(stack).resources, KEY) if k.name.startswith(f"{stack}-keys-")]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_one_rotating_key_per_data_class(stack):
    keys = data_class_keys(stack)
    assert sorted(inputs(k)["tags"]["purpose"] for k in keys) == sorted(p.value for p in KeyPurpose)
    dr = [
        inputs(k)["tags"]["purpose"]
        for k in of_type(stack_run(stack).resources, KEY)
        if "region" in inputs(k)
    ]
    assert dr == (["dr-data"] if stack == "prod" else [])  # components/data/dr.py: a key of its own
    for key in keys:
        assert inputs(key)["enableKeyRotation"] is True
        assert inputs(key)["rotationPeriodInDays"] == 90


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_aliases_are_platform_env_purpose(stack):
    aliases = {inputs(a)["name"] for a in of_type(stack_run(stack).resources, "aws:kms/alias:Alias")}
    dr = {f"alias/platform-{stack}-dr-data"} if stack == "prod" else set()
    assert aliases == {f"alias/platform-{stack}-{p.value}" for p in KeyPurpose} | dr | {
        f"alias/platform-{stack}-image-signing"
    }


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_no_key_policy_has_a_wildcard_principal(stack):
    for key in of_type(stack_run(stack).resources, KEY):
        assert wildcard_principals(policy(key)) == []


def test_prod_keys_wait_30_days_before_deletion_and_are_protected():
    keys = of_type(stack_run("prod").resources, KEY)  # the image-signing key too
    assert {inputs(k)["deletionWindowInDays"] for k in keys} == {30}
    assert all(k.protect for k in keys)


def test_dev_keys_are_destroyable():
    keys = of_type(stack_run("dev").resources, KEY)
    assert not any(k.protect for k in keys)
    assert {inputs(k)["deletionWindowInDays"] for k in keys} == {7}


def test_every_key_grants_the_account_root():
    for purpose in KeyPurpose:
        statements = key_policy(purpose, "aws", "111122223333", "ap-northeast-2")["Statement"]
        assert statements[0]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}


def test_logs_key_admits_cloudwatch_logs_only_for_this_accounts_log_groups():
    statements = key_policy(KeyPurpose.LOGS, "aws", "111122223333", "ap-northeast-2")["Statement"]
    logs = next(s for s in statements if s["Principal"] == {"Service": "logs.ap-northeast-2.amazonaws.com"})
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == (
        "arn:aws:logs:ap-northeast-2:111122223333:log-group:*"
    )


def test_cluster_key_lets_auto_scaling_start_nodes_with_encrypted_volumes():
    statements = key_policy(KeyPurpose.CLUSTER, "aws", "111122223333", "ap-northeast-2")["Statement"]
    principals = [s["Principal"].get("AWS", "") for s in statements]
    assert any(p.endswith("AWSServiceRoleForAutoScaling") for p in principals)


def test_data_and_secrets_keys_grant_no_service_principal():
    for purpose in (KeyPurpose.DATA, KeyPurpose.SECRETS):
        statements = key_policy(purpose, "aws", "111122223333", "ap-northeast-2")["Statement"]
        assert [s["Sid"] for s in statements] == ["AccountRootFullControl"]


def test_wildcard_detector_finds_wildcards():
    document = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:x", "*"]}}]}
    assert len(wildcard_principals(document)) == 1
    assert wildcard_principals({"Statement": [{"Effect": "Allow", "Principal": "*"}]})


SLR = "aws:iam/serviceLinkedRole:ServiceLinkedRole"


def test_a_stack_of_an_account_without_the_role_creates_it_before_the_cluster_key(mock_runtime):
    # A fresh account has no AWSServiceRoleForAutoScaling; KMS rejects a key policy naming it.
    def program() -> None:
        ctx = AwsContext(REGION, pulumi.Output.from_input(ACCOUNT_ID), pulumi.Output.from_input("aws"))
        spec = KeysSpec.model_validate({"autoscalingServiceLinkedRoleExists": False})
        Keys("staging-keys", KeysArgs(spec, ctx, "staging", protect=False))

    resources = mock_runtime.run(program)
    role = one(resources, SLR)
    assert inputs(role)["awsServiceName"] == "autoscaling.amazonaws.com"
    assert role.retain_on_delete  # the account's role: other stacks' node groups use it
    cluster_key = next(k for k in of_type(resources, KEY) if inputs(k)["tags"]["purpose"] == "cluster")
    assert role.urn in cluster_key.dependencies
    named = policy(cluster_key)["Statement"]
    assert any("AWSServiceRoleForAutoScaling" in str(s.get("Principal")) for s in named)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_stacks_that_say_the_role_exists_do_not_create_it_again(stack):
    # IAM refuses a second AWSServiceRoleForAutoScaling in the account; each account's bootstrap creates it.
    assert of_type(stack_run(stack).resources, SLR) == []
