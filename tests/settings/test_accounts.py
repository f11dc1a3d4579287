"""An account per environment: ``platform:accountId`` is validated, the provider refuses any other
account, and every IAM role of the program carries the account's permissions boundary."""

from __future__ import annotations

import json

import pytest

from components.core.iam import PERMISSIONS_BOUNDARY_NAME
from settings import stacks
from tests.conftest import STACKS, stack_run
from tests.helpers import inputs, of_type
from tests.settings.test_config import edited, problems, stack_values


def account_of(stack: str) -> str:
    return stacks.read(stack).config["platform:accountId"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_provider_allows_only_the_environments_account(stack: str):
    (provider,) = [r for r in stack_run(stack).resources if r.type == "pulumi:providers:aws"]
    assert json.loads(inputs(provider)["allowedAccountIds"]) == [account_of(stack)]


@pytest.mark.parametrize("stack", STACKS)
def test_every_role_carries_the_accounts_permissions_boundary(stack: str):
    roles = of_type(stack_run(stack).resources, "aws:iam/role:Role")
    assert roles
    expected = f"arn:aws:iam::{account_of(stack)}:policy/{PERMISSIONS_BOUNDARY_NAME}"
    assert {r.name: inputs(r).get("permissionsBoundary") for r in roles} == {r.name: expected for r in roles}


def test_a_configured_boundary_replaces_the_derived_one():
    arn = "arn:aws:iam::333333333333:policy/custom-boundary"
    values = stack_values("prod")
    values["platform:iam"] = {"permissionsBoundaryArn": arn}
    from settings.config import parse

    raw = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    assert parse(raw, "prod").permissions_boundary_arn == arn


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12345", "platform:accountId: must be a 12-digit AWS account id"),
        ("12345678901a", "platform:accountId: must be a 12-digit AWS account id"),
    ],
)
def test_an_account_id_that_is_not_12_digits_is_refused(value: str, message: str):
    found = problems(edited("prod", "accountId", [], value))
    assert any(p.startswith(message) and f'got "{value}"' in p for p in found), found  # as written


def test_the_account_id_is_required():
    values = stack_values("prod")
    del values["platform:accountId"]
    assert "platform:accountId: required, but not set" in problems(values)


def test_delivery_roles_of_another_account_are_refused():
    values = edited(
        "prod", "cluster", ["access", "platformDeployRoleArns"], ["arn:aws:iam::111111111111:role/x"]
    )
    assert (
        "platform:cluster.access.platformDeployRoleArns: the delivery roles are in account 333333333333;"
        " got ['arn:aws:iam::111111111111:role/x']"
    ) in problems(values)


def test_a_boundary_of_another_account_is_refused():
    values = stack_values("prod")
    values["platform:iam"] = {"permissionsBoundaryArn": "arn:aws:iam::111111111111:policy/b"}
    assert (
        "platform:iam.permissionsBoundaryArn: must be in account 333333333333; got 'arn:aws:iam::111111111111:policy/b'"
    ) in problems(values)
