"""IAM: every role carries a permissions boundary, so no role the program (or a compromised deploy
identity) creates can hold more than the account's boundary allows."""

from __future__ import annotations

from policy.model import UNKNOWN, Resource, ResourceRule

ROLE = "aws:iam/role:Role"


def _boundary(r: Resource) -> list[str]:
    if r.type != ROLE:
        return []
    boundary = r.get("permissionsBoundary")
    if boundary is UNKNOWN or (isinstance(boundary, str) and boundary.strip()):
        return []
    return ["permissionsBoundary is not set: every IAM role must carry the account's permissions boundary"]


IAM_PERMISSIONS_BOUNDARY = ResourceRule(
    "iam-permissions-boundary",
    "Every IAM role carries a permissions boundary (the account's, created by the bootstrap).",
    _boundary,
)
