"""The rotation function's four steps against an in-memory Secrets Manager that keeps versions and stage
labels the way the service does (plain pytest: the function's own code, a fake client)."""

from __future__ import annotations

import string
from typing import Any

import pytest

from components.security.rotation import random_secret
from components.security.rotation.random_secret import RotationError, handler

ARN = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:platform/prod/jwt-signing-key-AbCdEf"


class ResourceNotFoundException(Exception):
    pass


class FakeSecretsManager:
    """Versions (id → value or None) and stage labels (label → version id), like Secrets Manager."""

    class exceptions:
        ResourceNotFoundException = ResourceNotFoundException

    def __init__(self, tags: dict[str, str] | None = None, rotation_enabled: bool = True) -> None:
        self.values: dict[str, str | None] = {}
        self.labels: dict[str, str] = {}
        self.tags = tags or {}
        self.rotation_enabled = rotation_enabled
        self.calls: list[str] = []
        self.generated = 0
        self.requests: list[dict[str, Any]] = []

    # What RotateSecret does before calling the function: a new, empty version labelled AWSPENDING.
    def start_rotation(self, token: str) -> None:
        self.values[token] = None
        self.labels["AWSPENDING"] = token

    def put(self, version: str, value: str, *labels: str) -> None:
        self.values[version] = value
        for label in labels:
            self.labels[label] = version

    def describe_secret(self, SecretId: str) -> dict[str, Any]:
        self.calls.append("describe_secret")
        stages: dict[str, list[str]] = {}
        for label, version in self.labels.items():
            stages.setdefault(version, []).append(label)
        return {
            "ARN": SecretId,
            "RotationEnabled": self.rotation_enabled,
            "VersionIdsToStages": stages,
            "Tags": [{"Key": k, "Value": v} for k, v in self.tags.items()],
        }

    def get_secret_value(self, SecretId: str, VersionId: str | None = None, VersionStage: str | None = None):
        self.calls.append("get_secret_value")
        version = VersionId or self.labels.get(VersionStage or "AWSCURRENT")
        if version is None or self.values.get(version) is None:
            raise ResourceNotFoundException(f"no value for {VersionId or VersionStage}")
        if VersionStage is not None and self.labels.get(VersionStage) != version:
            raise ResourceNotFoundException(f"{version} is not {VersionStage}")
        return {"SecretString": self.values[version], "VersionId": version}

    def get_random_password(
        self, PasswordLength: int, ExcludePunctuation: bool, RequireEachIncludedType: bool
    ):
        self.calls.append("get_random_password")
        self.requests.append({"PasswordLength": PasswordLength, "ExcludePunctuation": ExcludePunctuation})
        self.generated += 1
        alphabet = string.ascii_letters + string.digits + ("" if ExcludePunctuation else "!#$%")
        value = "".join(alphabet[(self.generated * 7 + i) % len(alphabet)] for i in range(PasswordLength))
        return {"RandomPassword": value}

    def put_secret_value(
        self, SecretId: str, ClientRequestToken: str, SecretString: str, VersionStages: list[str]
    ):
        self.calls.append("put_secret_value")
        self.put(ClientRequestToken, SecretString, *VersionStages)

    def update_secret_version_stage(
        self,
        SecretId: str,
        VersionStage: str,
        MoveToVersionId: str,
        RemoveFromVersionId: str | None = None,
    ):
        self.calls.append("update_secret_version_stage")
        current = self.labels.get(VersionStage)
        if current is not None and current != RemoveFromVersionId:
            raise ValueError("RemoveFromVersionId must name the version that holds the label")
        if VersionStage == "AWSCURRENT" and current is not None:
            self.labels["AWSPREVIOUS"] = current
        self.labels[VersionStage] = MoveToVersionId
        if self.labels.get("AWSPENDING") == MoveToVersionId:
            del self.labels["AWSPENDING"]


def rotate_all(client: FakeSecretsManager, token: str) -> None:
    client.start_rotation(token)
    for step in random_secret.STEPS:
        handler({"SecretId": ARN, "ClientRequestToken": token, "Step": step}, None, client)


def test_the_first_rotation_of_an_empty_secret_generates_its_first_value_inside_secrets_manager():
    client = FakeSecretsManager(tags={"platform:length": "48"})
    rotate_all(client, "v1")
    value = client.get_secret_value(SecretId=ARN, VersionStage="AWSCURRENT")["SecretString"]
    assert len(value) == 48
    assert value.isalnum()
    assert client.labels == {"AWSCURRENT": "v1"}  # AWSPENDING gone: the rotation is complete
    assert client.calls.count("get_random_password") == 1


def test_a_later_rotation_moves_current_to_the_new_value_and_keeps_the_old_as_previous():
    client = FakeSecretsManager()
    rotate_all(client, "v1")
    first = client.values["v1"]
    rotate_all(client, "v2")
    assert client.labels == {"AWSCURRENT": "v2", "AWSPREVIOUS": "v1"}
    assert client.values["v2"] != first
    assert len(client.values["v2"] or "") == random_secret.DEFAULT_LENGTH


def test_create_secret_is_idempotent_when_secrets_manager_retries_it():
    client = FakeSecretsManager()
    client.start_rotation("v1")
    event = {"SecretId": ARN, "ClientRequestToken": "v1", "Step": "createSecret"}
    handler(event, None, client)
    pending = client.values["v1"]
    handler(event, None, client)
    assert client.values["v1"] == pending
    assert client.calls.count("get_random_password") == 1


def test_set_secret_touches_nothing_because_consumers_read_the_value_from_secrets_manager():
    client = FakeSecretsManager()
    client.start_rotation("v1")
    handler({"SecretId": ARN, "ClientRequestToken": "v1", "Step": "createSecret"}, None, client)
    before = list(client.calls)
    handler({"SecretId": ARN, "ClientRequestToken": "v1", "Step": "setSecret"}, None, client)
    assert client.calls[len(before) :] == ["describe_secret"]


def test_test_secret_refuses_a_pending_value_of_the_wrong_shape():
    client = FakeSecretsManager(tags={"platform:length": "32"})
    client.start_rotation("v1")
    client.put("v1", "too-short!", "AWSPENDING")
    with pytest.raises(RotationError, match="does not have the expected shape"):
        handler({"SecretId": ARN, "ClientRequestToken": "v1", "Step": "testSecret"}, None, client)


def test_punctuation_is_asked_for_only_when_the_tag_allows_it():
    client = FakeSecretsManager(tags={"platform:length": "40", "platform:punctuation": "true"})
    rotate_all(client, "v1")
    assert client.requests == [{"PasswordLength": 40, "ExcludePunctuation": False}]
    plain = FakeSecretsManager()
    rotate_all(plain, "v1")
    assert plain.requests == [{"PasswordLength": 64, "ExcludePunctuation": True}]


def test_finish_secret_does_nothing_when_the_version_is_already_current():
    client = FakeSecretsManager()
    client.put("v1", "x" * 64, "AWSCURRENT")
    handler({"SecretId": ARN, "ClientRequestToken": "v1", "Step": "finishSecret"}, None, client)
    assert "update_secret_version_stage" not in client.calls


@pytest.mark.parametrize(
    ("client", "token", "step", "message"),
    [
        (FakeSecretsManager(rotation_enabled=False), "v1", "createSecret", "not enabled for rotation"),
        (FakeSecretsManager(), "unknown", "createSecret", "has no stage"),
        (FakeSecretsManager(), "v1", "dropSecret", "unknown rotation step"),
        (FakeSecretsManager(tags={"platform:length": "8"}), "v1", "createSecret", "must be 16-4096"),
    ],
)
def test_refuses_a_secret_or_event_it_cannot_rotate(client, token, step, message):
    client.start_rotation("v1")
    with pytest.raises(RotationError, match=message):
        handler({"SecretId": ARN, "ClientRequestToken": token, "Step": step}, None, client)


def test_a_version_that_is_neither_current_nor_pending_is_refused():
    client = FakeSecretsManager()
    client.put("v1", "x" * 64, "AWSPREVIOUS")
    with pytest.raises(RotationError, match="is not AWSPENDING"):
        handler({"SecretId": ARN, "ClientRequestToken": "v1", "Step": "createSecret"}, None, client)
