"""Endpoint policies of the VPC's interface endpoints (pure: account in, policy document out).

An endpoint without a policy lets any principal use it, so credentials stolen from another account can
call AWS from inside this VPC (and send data out through it). Each interface endpoint admits only
principals of this account (``aws:PrincipalAccount``). The STS endpoint also admits
``AssumeRoleWithWebIdentity`` to this account's roles: IRSA callers present a web-identity token, not
AWS credentials, so their requests carry no ``aws:PrincipalAccount`` (AWS IAM User Guide, "Control
access to AWS STS with VPC endpoint policies").

The S3 *gateway* endpoint keeps the default policy on purpose: nodes fetch OS packages from AWS's
public buckets anonymously (no principal account to match).
"""

from __future__ import annotations

from typing import Any

from components.core import iam
from components.network.spec import InterfaceEndpoint


def interface_endpoint_policy(service: InterfaceEndpoint, partition: str, account_id: str) -> dict[str, Any]:
    """The policy document of the interface endpoint of ``service`` in ``account_id``."""
    statements: list[iam.Statement] = [
        {
            "Sid": "ThisAccountsPrincipals",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": account_id}},
        }
    ]
    if service is InterfaceEndpoint.STS:
        statements.append(
            {
                "Sid": "WebIdentityToThisAccountsRoles",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Resource": f"arn:{partition}:iam::{account_id}:role/*",
            }
        )
    return iam.document(*statements)
