"""Placeholder values: a preview warns once naming every one, a real deployment refuses naming every one."""

from __future__ import annotations

import logging

import pulumi.runtime.settings
import pytest

from components.core import placeholders
from settings import config, stacks
from tests.conftest import STACKS
from tools.preview import mocks, runner


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("000000000000000000000000", True),
        ("5f1e2d3c4b5a69788796a5b4", False),
        ("arn:aws:iam::123456789012:role/platform-admin", True),
        ("arn:aws:iam::210987654321:role/platform-admin", False),
        ("123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/product/web:v1.4.2", True),
        ("1234567890123", False),  # a longer number that merely contains the account's digits
        ("203.0.113.0/24", True),
        ("203.0.113.7/32", True),
        ("198.51.100.0/24", True),
        ("192.0.2.10", True),
        ("10.20.0.0/16", False),
        ("203.0.112.0/23", False),  # wider than the documentation range: could be real
        ("api.staging.slidecraft.example.com", True),
        ("*.staging.example.com", True),
        ("app.example.org", True),
        ("api.slidecraft.io", False),
        ("examples.com", False),
        ("ap-northeast-2", False),
        ("acme/platform", True),  # the stack files' example organization: the roles would trust it
        ("acme-platform-dev-pulumi-state", True),
        ("my-org/platform", False),
        ("acmecorp/platform", False),
    ],
)
def test_classify(value, placeholder):
    assert (placeholders.classify(value) is not None) is placeholder


def test_find_names_nested_keys_and_skips_other_namespaces_and_secrets():
    raw = {
        "platform:atlas": '{"orgId": "000000000000000000000000", "projectName": "p"}',
        "platform:cluster": '{"access": {"adminRoleArns": ["arn:aws:iam::123456789012:role/a"]}}',
        "aws:region": "203.0.113.0/24",
        "platform:secretThing": "000000000000000000000000",
    }
    found = placeholders.find(raw, "platform", frozenset({"platform:secretThing"}))
    assert [p.key for p in found] == ["platform:atlas.orgId", "platform:cluster.access.adminRoleArns[0]"]


def _load_staging(preview: bool) -> config.Settings:
    stack_file = stacks.read("staging")
    runtime = mocks.install("platform", "staging", preview=preview, config=stack_file.config)
    try:
        return config.load()
    finally:
        runtime.close()


def test_the_repository_stack_files_carry_placeholders():
    # Guard against a vacuous pass below: the shipped stack files do have them.
    for stack in STACKS:
        keys = {p.key for p in placeholders.find(stacks.read(stack).config, "platform")}
        assert "platform:atlas.orgId" in keys
        assert "platform:cluster.access.adminRoleArns[0]" in keys


def test_a_real_deployment_refuses_naming_every_placeholder_key(monkeypatch):
    # Given the real engine's resource monitor (not the SDK's mock one) and an update, not a preview,
    monkeypatch.setattr(pulumi.runtime.settings, "get_monitor", lambda: object())
    expected = {p.key for p in placeholders.find(stacks.read("staging").config, "platform")}
    # when the program loads its configuration, then one error names every placeholder key.
    with pytest.raises(config.ConfigError) as error:
        _load_staging(preview=False)
    named = {problem.split(":", 2)[0] + ":" + problem.split(":", 2)[1] for problem in error.value.problems}
    assert named == expected
    assert len(error.value.problems) == len(expected) >= 7
    assert "platform:cluster.endpoint.publicAccessCidrs[0]" in str(error.value)


def test_a_preview_warns_once_naming_every_placeholder_key_and_carries_on(monkeypatch, caplog):
    monkeypatch.setattr(pulumi.runtime.settings, "get_monitor", lambda: object())
    expected = {p.key for p in placeholders.find(stacks.read("staging").config, "platform")}
    with caplog.at_level(logging.WARNING, logger="pulumi.offline"):
        settings = _load_staging(preview=True)
    assert settings.environment == "staging"
    warnings = [r.getMessage() for r in caplog.records if "placeholder" in r.getMessage()]
    assert len(warnings) == 1
    assert all(key in warnings[0] for key in expected)


def test_offline_runs_under_the_mock_monitor_only_warn_even_as_an_update():
    # The test suite and the offline preview run the stack files as they are.
    assert _load_staging(preview=False).environment == "staging"


def test_a_real_services_deployment_refuses_its_placeholder_images_and_hosts(monkeypatch):
    monkeypatch.setattr(pulumi.runtime.settings, "get_monitor", lambda: object())
    stack_file = stacks.read("staging", stacks.Project.SERVICES)
    runtime = mocks.install(
        "services",
        "staging",
        preview=False,
        config=stack_file.config,
        root_directory=str(runner.ROOT / "services"),
    )
    try:
        with pytest.raises(config.ConfigError) as error:
            config.load_services()
    finally:
        runtime.close()
    assert any(".image" in p and "222222222222" in p for p in error.value.problems)  # staging's registry
    assert any(".ingress.host" in p and "example.com" in p for p in error.value.problems)
