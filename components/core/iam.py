"""IAM policy documents as plain data (pure, no Pulumi)."""

from __future__ import annotations

import json
from typing import Any

Statement = dict[str, Any]

PERMISSIONS_BOUNDARY_NAME = "platform-permissions-boundary"
"""The managed policy every IAM role of this repository carries as its permissions boundary. The bootstrap
of each account creates it; the programs derive its ARN from the account id and this name."""


def permissions_boundary_arn(partition: str, account_id: str) -> str:
    """The ARN of the account's permissions boundary (see :data:`PERMISSIONS_BOUNDARY_NAME`)."""
    return f"arn:{partition}:iam::{account_id}:policy/{PERMISSIONS_BOUNDARY_NAME}"


def document(*statements: Statement) -> dict[str, Any]:
    """A policy document with version 2012-10-17."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def service_trust(service: str, source_account: str | None = None) -> dict[str, Any]:
    """A trust policy letting an AWS service assume a role, limited to ``source_account`` if given.

    The ``aws:SourceAccount`` condition closes the confused-deputy hole for services acting on behalf
    of other accounts.
    """
    statement: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return document(statement)


def dumps(policy: dict[str, Any]) -> str:
    """Stable JSON for a policy (sorted keys, so a preview shows no spurious diff)."""
    return json.dumps(policy, sort_keys=True)


def wildcard_principals(policy: dict[str, Any]) -> list[Statement]:
    """The statements of ``policy`` that allow a wildcard principal (``*`` or ``{"AWS": "*"}``)."""
    found = []
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal")
        values: list[Any] = []
        if principal == "*":
            values = ["*"]
        elif isinstance(principal, dict):
            for value in principal.values():
                values.extend(value if isinstance(value, list) else [value])
        if statement.get("Effect") == "Allow" and "*" in values:
            found.append(statement)
    return found
