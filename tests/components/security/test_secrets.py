"""Secrets: under the secrets key, generated values through write-only inputs, external ones empty."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.security.secrets import Secrets, SecretsArgs, SecretsSpec
from infra.preview.mocks import is_secret
from tests.conftest import stack_run
from tests.helpers import inputs, of_type, one

SECRETS_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/secrets"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"


def build(runtime, spec):
    def program():
        provider = aws.Provider("aws", region="ap-northeast-2")
        Secrets(
            "app", SecretsArgs(spec, "staging", SECRETS_KEY), pulumi.ResourceOptions(providers=[provider])
        )

    return runtime.run(program)


SPEC = SecretsSpec(
    recovery_window_days=7,
    generated=[{"name": "jwt-signing-key", "length": 48, "version": 3}],
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


def test_a_generated_value_goes_only_through_the_write_only_input_as_a_secret(mock_runtime):
    resources = build(mock_runtime, SPEC)
    version = one(resources, VERSION)
    assert is_secret(version.inputs["secretStringWo"])
    assert inputs(version)["secretStringWoVersion"] == 3
    assert "secretString" not in version.inputs
    assert len(inputs(version)["secretStringWo"]) == 48


def test_an_external_secret_is_created_empty(mock_runtime):
    resources = build(mock_runtime, SecretsSpec(external=[{"name": "slack-webhook-url"}]))
    one(resources, SECRET)
    assert of_type(resources, VERSION) == []


def test_no_generated_value_appears_in_the_stack_outputs_or_any_plain_input():
    result = stack_run("prod")
    values = [inputs(version)["secretStringWo"] for version in of_type(result.resources, VERSION)]
    assert values
    for value in values:
        assert value not in repr(result.outputs)
        for resource in result.resources:
            for key, raw in resource.inputs.items():
                if not is_secret(raw):
                    assert value not in repr(raw), (
                        f"{resource.name}.{key} carries a generated value in plain text"
                    )
