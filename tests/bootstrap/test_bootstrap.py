"""The bootstrap project: its pure policies, its settings, and the program run under mocks exactly as
the language host runs ``bootstrap/``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from components.bootstrap.policies import github_subject, github_trust, state_access, tls_only_bucket_policy
from components.bootstrap.spec import BootstrapConfigError, parse
from infra.preview import runner
from infra.preview.mocks import Recorded
from policy.catalog import evaluate
from tests.conftest import STACKS
from tests.helpers import inputs, of_type, one, policy

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "bootstrap"
REPO = "acme/platform"


@cache
def bootstrap_run() -> runner.PreviewResult:
    return runner.run_program(runner.read_stack_file("bootstrap", BOOTSTRAP), preview=False, root=BOOTSTRAP)


def resources() -> list[Recorded]:
    return bootstrap_run().resources


# --- pure policies -----------------------------------------------------------------------------------


def test_trust_is_limited_to_this_repository_and_one_environment():
    trust = github_trust("arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com", REPO, "prod")
    (statement,) = trust["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/platform:environment:prod",
        }
    }
    assert "StringLike" not in statement["Condition"]  # no wildcards


def test_bucket_policy_denies_requests_without_tls():
    document = tls_only_bucket_policy("arn:aws:s3:::state")
    denies = {s["Sid"]: s for s in document["Statement"] if s["Effect"] == "Deny"}
    assert denies["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert denies["DenyOutdatedTls"]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}
    assert denies["DenyInsecureTransport"]["Resource"] == ["arn:aws:s3:::state", "arn:aws:s3:::state/*"]


def test_state_access_is_scoped_to_one_stacks_files_and_keys():
    document = state_access("arn:aws:s3:::state", "arn:state-key", "arn:dev-key", "platform", "dev")
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    objects = by_sid["ReadWriteStackState"]["Resource"]
    assert "arn:aws:s3:::state/.pulumi/stacks/platform/dev*" in objects
    assert not any("/prod" in o for o in objects)
    assert by_sid["StackSecretsKey"]["Resource"] == "arn:dev-key"


# --- settings ----------------------------------------------------------------------------------------


def test_settings_read_from_the_stack_file():
    spec = parse({"githubRepository": REPO, "stateBucketName": "acme-state"})
    assert spec.environments == ("dev", "staging", "prod")
    assert spec.protect is True
    assert spec.preview_policy_arns == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"stateBucketName": "acme-state"}, "bootstrap:githubRepository: required, but not set"),
        (
            {"githubRepository": "acme/*", "stateBucketName": "acme-state"},
            "bootstrap:githubRepository: must be owner/name of a GitHub repository (no wildcards); got 'acme/*'",
        ),
        (
            {"githubRepository": REPO, "stateBucketName": "Acme_State"},
            "bootstrap:stateBucketName: must be a valid S3 bucket name",
        ),
        (
            {"githubRepository": REPO, "stateBucketName": "acme-state", "environments": ["dev", "dev"]},
            "bootstrap:environments: must not repeat an environment",
        ),
        (
            {"githubRepository": REPO, "stateBucketName": "acme-state", "keyDeletionWindowDays": 3},
            "bootstrap:keyDeletionWindowDays: Input should be greater than or equal to 7; got 3",
        ),
        (
            {"githubRepository": REPO, "stateBucketName": "acme-state", "bucket": "x"},
            "bootstrap:bucket: unknown key",
        ),
    ],
)
def test_invalid_settings_are_refused_naming_the_key_and_value(values: dict[str, object], message: str):
    with pytest.raises(BootstrapConfigError) as caught:
        parse(values)
    assert any(p.startswith(message) for p in caught.value.problems), caught.value.problems


# --- the program under mocks --------------------------------------------------------------------------


def test_state_bucket_is_versioned_encrypted_with_its_cmk_private_and_protected():
    found = resources()
    bucket = one(found, "aws:s3/bucket:Bucket")
    assert inputs(bucket)["bucket"] == "acme-platform-pulumi-state"
    assert bucket.protect
    versioning = inputs(one(found, "aws:s3/bucketVersioning:BucketVersioning"))
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    (rule,) = inputs(
        one(found, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    )["rules"]
    state_key = one(found, "aws:kms/key:Key", "pulumi-state-state")
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].endswith("key/pulumi-state-state")
    assert state_key.protect
    block = inputs(one(found, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"))
    assert all(
        block[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    tls = policy(one(found, "aws:s3/bucketPolicy:BucketPolicy"))
    assert {s["Sid"] for s in tls["Statement"]} == {"DenyInsecureTransport", "DenyOutdatedTls"}


@pytest.mark.parametrize("stack", STACKS)
def test_each_stacks_secrets_provider_names_a_rotating_bootstrap_key(stack: str):
    provider_line = (
        (ROOT / f"Pulumi.{stack}.yaml").read_text().split("secretsprovider: ", 1)[1].split("\n")[0]
    )
    alias = provider_line.removeprefix("awskms://").split("?")[0]
    aliases = {inputs(a)["name"]: a for a in of_type(resources(), "aws:kms/alias:Alias")}
    assert alias in aliases
    key = one(resources(), "aws:kms/key:Key", f"pulumi-state-{stack}-pulumi")
    assert inputs(key)["enableKeyRotation"] is True
    assert key.protect
    assert bootstrap_run().outputs["secrets_providers"][stack] == provider_line


def test_github_oidc_provider_trusts_the_actions_issuer_for_sts():
    provider = inputs(one(resources(), "aws:iam/openIdConnectProvider:OpenIdConnectProvider"))
    assert provider["url"] == "https://token.actions.githubusercontent.com"
    assert provider["clientIdLists"] == ["sts.amazonaws.com"]


@pytest.mark.parametrize("stack", STACKS)
def test_each_environment_has_a_deploy_and_a_preview_role_bound_to_its_github_environment(stack: str):
    found = resources()
    for kind, github_env in (("deploy", stack), ("preview", f"{stack}-preview")):
        role = one(found, "aws:iam/role:Role", f"github-actions-{stack}-{kind}")
        (statement,) = policy(role, "assumeRolePolicy")["Statement"]
        assert statement["Principal"]["Federated"].endswith("openidconnectprovider/github-actions")
        assert statement["Condition"]["StringEquals"][
            "token.actions.githubusercontent.com:sub"
        ] == github_subject(REPO, github_env)
        assert inputs(role)["maxSessionDuration"] == 14400  # a from-scratch prod up outlives 1 hour
    preview_policy = one(
        found, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"github-actions-{stack}-preview-policy-0"
    )
    assert inputs(preview_policy)["policyArn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"


def test_the_policy_pack_passes_the_bootstrap_stack():
    from infra.preview.policy import as_resource

    assert evaluate([as_resource(r) for r in resources()], None) == []


def test_a_region_that_is_not_an_aws_region_is_refused():
    with pytest.raises(BootstrapConfigError) as caught:
        parse({"githubRepository": REPO, "stateBucketName": "acme-state", "region": "Seoul"})
    assert caught.value.problems == [
        "bootstrap:region: must be an AWS region name such as ap-northeast-2; got 'Seoul'"
    ]
