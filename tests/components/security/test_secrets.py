"""Secrets: under the secrets key; generated values created and rotated inside AWS by the rotation
function (the program handles ARNs only); external ones created empty."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.security.rotation.random_secret import LENGTH_TAG, PUNCTUATION_TAG
from components.security.secrets import Secrets, SecretsArgs, SecretsSpec
from tests.components.data.conftest import LOGS_KEY, context
from tests.helpers import inputs, of_type, one, policy

SECRETS_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/secrets"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def mock_arn(resource) -> str:
    """The ARN the mock runtime gives a resource (``tools.preview.mocks``)."""
    short = resource.type.split(":")[-1].lower()
    return f"arn:aws:mock:ap-northeast-2:123456789012:{short}/{resource.name}"


def build(runtime, spec):
    def program():
        provider = aws.Provider("aws", region="ap-northeast-2")
        Secrets(
            "app",
            SecretsArgs(spec, "staging", SECRETS_KEY, context(), LOGS_KEY),
            pulumi.ResourceOptions(providers=[provider]),
        )

    return runtime.run(program)


SPEC = SecretsSpec(
    recovery_window_days=7,
    generated=[{"name": "jwt-signing-key", "length": 48, "rotationDays": 30}],
    external=[{"name": "openai-api-key"}],
)


def test_every_secret_is_encrypted_with_the_secrets_key_and_named_by_environment(mock_runtime):
    resources = build(mock_runtime, SPEC)
    secrets = [inputs(s) for s in of_type(resources, SECRET)]
    assert sorted(s["name"] for s in secrets) == [
        "platform/staging/jwt-signing-key",
        "platform/staging/openai-api-key",
    ]
    assert {s["kmsKeyId"] for s in secrets} == {SECRETS_KEY}
    assert {s["recoveryWindowInDays"] for s in secrets} == {7}


def test_a_generated_secret_gets_its_first_value_from_an_immediate_rotation_not_from_the_program(
    mock_runtime,
):
    resources = build(mock_runtime, SPEC)
    assert of_type(resources, VERSION) == []  # no value written by the program, not even write-only
    rotation = inputs(one(resources, ROTATION))
    function = one(resources, FUNCTION)
    assert rotation["rotateImmediately"] is True
    assert rotation["rotationRules"] == {"automaticallyAfterDays": 30}
    assert rotation["rotationLambdaArn"] == mock_arn(function)
    assert inputs(function)["handler"] == "random_secret.handler"
    jwt = next(s for s in of_type(resources, SECRET) if inputs(s)["name"].endswith("jwt-signing-key"))
    # How to generate travels as tags; the rotation function reads them.
    assert inputs(jwt)["tags"] == {LENGTH_TAG: "48", PUNCTUATION_TAG: "false"}


def test_the_rotation_function_may_rotate_only_the_secrets_that_grant_it_and_is_invoked_for_them_only(
    mock_runtime,
):
    resources = build(mock_runtime, SPEC)
    jwt = next(s for s in of_type(resources, SECRET) if inputs(s)["name"].endswith("jwt-signing-key"))
    grant = one(resources, ROLE_POLICY, "app-jwt-signing-key-rotation")
    statements = {s["Sid"]: s for s in policy(grant)["Statement"]}
    assert statements["RotateThisSecret"]["Resource"] == mock_arn(jwt)
    assert statements["UseTheSecretsKeyThroughSecretsManager"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.ap-northeast-2.amazonaws.com"}
    }
    base = {s["Sid"]: s for s in policy(one(resources, ROLE_POLICY, "app-rotator"))["Statement"]}
    assert base["GenerateInsideSecretsManager"]["Action"] == "secretsmanager:GetRandomPassword"
    permission = inputs(one(resources, PERMISSION))
    assert permission["principal"] == "secretsmanager.amazonaws.com"
    assert permission["sourceArn"] == mock_arn(jwt)


def test_an_external_secret_is_created_empty_and_needs_no_rotation_function(mock_runtime):
    resources = build(mock_runtime, SecretsSpec(external=[{"name": "slack-webhook-url"}]))
    one(resources, SECRET)
    assert of_type(resources, VERSION) == []
    assert of_type(resources, FUNCTION) == []
    assert of_type(resources, ROTATION) == []
