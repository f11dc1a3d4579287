"""What STS decides for ``AssumeRoleWithWebIdentity`` with a GitHub Actions token, from the role's trust
policy as the bootstrap program built it, and the token's claims as GitHub issues them.

- The ``sub`` claim under a customized template is the template's ``include_claim_keys`` in order, each
  ``<key>:<value>``, joined by ``:`` (GitHub docs, "OpenID Connect reference", "Customizing the subject
  claims"), except ``context``, whose value stands alone; ``context`` is ``environment:<name>`` for a job in an Environment, else ``ref:<ref>``
  (``pull_request`` for a pull request's job outside an Environment).
- IAM: an ``Allow`` statement matches when its action is ``sts:AssumeRoleWithWebIdentity``, its
  ``Principal.Federated`` is the provider, and every condition operator holds for every key in it, a key
  holding when the claim equals (``StringEquals``) or matches (``StringLike``: ``*`` any run of
  characters, ``?`` one) one of the listed values (IAM User Guide, "IAM JSON policy elements: Condition
  operators"). No deny statements are modelled: a statement the model cannot read fails the check.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from typing import Any

HOST = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
"""aws-actions/configure-aws-credentials' default ``audience``."""


def subject(keys: Sequence[str], repository: str, environment: str | None, ref: str, workflow: str) -> str:
    """The ``sub`` claim of a job of ``repository`` defined in ``workflow`` (``.github/workflows/x.yml``)."""
    values = {
        "repo": repository,
        "context": f"environment:{environment}"
        if environment
        else ("pull_request" if ref.startswith("refs/pull/") else f"ref:{ref}"),
        "job_workflow_ref": f"{repository}/{workflow}@{ref}",
        "ref": ref,
        "environment": environment or "",
    }
    # `context` is the one key whose value stands without its name ("repo:o/r:environment:prod").
    return ":".join(values[key] if key == "context" else f"{key}:{values[key]}" for key in keys)


def _holds(operator: str, claim: str | None, expected: Any) -> bool:
    if claim is None:
        return False
    candidates = [expected] if isinstance(expected, str) else list(expected)
    if operator == "StringEquals":
        return claim in candidates
    if operator == "StringLike":
        # fnmatchcase treats [] as a class; IAM does not, and no value here uses them.
        return any(fnmatch.fnmatchcase(claim, c.replace("[", "[[]")) for c in candidates)
    raise AssertionError(f"condition operator {operator} is not modelled")


def admits(trust: str | Mapping[str, Any], provider_arn: str, claims: Mapping[str, str]) -> bool:
    """Whether the trust policy lets a token with ``claims`` (``sub``, ``aud``) assume the role."""
    document = json.loads(trust) if isinstance(trust, str) else trust
    for statement in document["Statement"]:
        actions = statement.get("Action")
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") != "Allow" or "sts:AssumeRoleWithWebIdentity" not in actions:
            continue
        if statement.get("Principal", {}).get("Federated") != provider_arn:
            continue
        conditions = statement.get("Condition", {})
        if all(
            _holds(operator, claims.get(key.removeprefix(f"{HOST}:")), expected)
            for operator, keys in conditions.items()
            for key, expected in keys.items()
        ):
            return True
    return False
