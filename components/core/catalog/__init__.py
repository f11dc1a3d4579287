"""Catalogues of what the clouds accept: regions, instance classes and types, node types, Atlas tiers,
EKS Kubernetes versions, ALB TLS policies.

A value is checked against a kept list rather than a pattern, so ``db.r6g.larg`` or ``ap-northaest-2``
is refused at load, with the closest real value suggested. Where the provider SDK ships an enum
(``pulumi_aws.Region``, ``pulumi_aws.ec2.InstanceType``, ``pulumi_aws.rds.InstanceType``) that enum is the
source; elsewhere the list is the provider's published one, with its source and the date it was read.
Refresh a list when the provider publishes new values (a new EKS version, a new node family).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggestion(value: str, known: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest known value, or nothing."""
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""
