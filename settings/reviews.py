"""Review stacks (``pr-<number>``, ``components.apps.review``): their configuration is their base's.

A review stack's file holds only ``services:reviewEnvironment`` (base, pull request, expiry) and the
``services:platformStack`` it reads. Its services are the base services stack's (the pull request's own
version of ``services/Pulumi.<base>.yaml``, so a change there is what the review environment shows), with
every ingress host moved to the review's own name; it deploys onto the base's platform stack.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from components.apps.review import ReviewError, review_host

REVIEW_ENVIRONMENT = "services:reviewEnvironment"
REVIEW_POLICY = "services:review"
PLATFORM_STACK = "services:platformStack"
APPS = "services:apps"
OWN_KEYS = frozenset({REVIEW_ENVIRONMENT, PLATFORM_STACK})
"""What a review stack sets itself; every other ``services:`` key comes from its base."""


def _decoded(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def base_of(config: Mapping[str, str]) -> str | None:
    """The base stack a review stack's raw config names, or None (not a review stack, or unreadable:
    the validation then names the key)."""
    review = _decoded(config.get(REVIEW_ENVIRONMENT))
    base = review.get("base") if isinstance(review, dict) else None
    return base if isinstance(base, str) and base else None


def services_config(raw: Mapping[str, str], stack: str, services_dir: Path) -> dict[str, str]:
    """``raw`` of a review stack completed with its base's services (hosts renamed); any other stack's
    ``raw`` unchanged.

    Raises:
        settings.errors.ConfigError: the base's stack file is missing or unreadable.
    """
    base = base_of(raw)
    if base is None:
        return dict(raw)
    from settings.errors import ConfigError
    from settings.stackfile import read_stack_file

    try:
        inherited = read_stack_file(base, services_dir).config
    except FileNotFoundError:
        raise ConfigError(
            stack,
            [f"{REVIEW_ENVIRONMENT}.base: no services stack file Pulumi.{base}.yaml to copy; got {base!r}"],
        ) from None
    merged = {
        key: value
        for key, value in inherited.items()
        if key.startswith("services:") and key not in OWN_KEYS | {REVIEW_POLICY}
    }
    merged |= {key: value for key, value in raw.items() if key.startswith("services:") and key in OWN_KEYS}
    merged |= {key: value for key, value in raw.items() if not key.startswith("services:")}
    apps = _decoded(merged.get(APPS))
    if isinstance(apps, dict):
        try:
            merged[APPS] = json.dumps(rename_hosts(apps, stack))
        except ReviewError as exc:
            raise ConfigError(stack, [f"{APPS}: {exc}"]) from None
    return merged


def rename_hosts(apps: dict[str, Any], stack: str) -> dict[str, Any]:
    """Every ``ingress.host`` of ``apps`` (raw stack-file values) moved to the review's own name."""
    renamed = {}
    for name, app in apps.items():
        ingress = app.get("ingress") if isinstance(app, dict) else None
        if isinstance(ingress, dict) and isinstance(ingress.get("host"), str):
            app = {**app, "ingress": {**ingress, "host": review_host(ingress["host"], stack)}}
        renamed[name] = app
    return renamed
