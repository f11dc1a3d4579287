"""The naming seam: every physical name of an environment's resources comes from here.

``platform-<env>-<what>`` for AWS resources (RDS, ElastiCache, Atlas projects, buckets, the cluster, the
runners, the budget, Lambda functions), ``alias/platform-<env>-<purpose>`` for KMS keys and
``platform/<env>/<name>`` for secrets. Components and the load-time name checks
(``settings/guardrails.py::physical_names``, against the limits of ``components/core/names.py``) call these
functions, so a name that a component builds is the name that was checked.
"""

from __future__ import annotations

PREFIX = "platform"
"""What every physical name starts with (the product's platform; one account per environment)."""


def physical_name(environment: str, *parts: str) -> str:
    """``platform-<env>[-<part>...]``."""
    return "-".join((PREFIX, environment, *parts))


def key_alias(environment: str, purpose: str) -> str:
    """The KMS alias of an environment's key for ``purpose``: ``alias/platform-<env>-<purpose>``."""
    return f"alias/{physical_name(environment, purpose)}"


def secret_path(environment: str, name: str) -> str:
    """The Secrets Manager name of an environment's secret: ``platform/<env>/<name>``."""
    return f"{PREFIX}/{environment}/{name}"
