"""The rules as CrossGuard policies (``pulumi_policy``): thin adapters, no rule logic here.

CrossGuard hands a validation its props behind proxies that raise ``UnknownValueError`` on a value
unknown during a preview, and wraps secrets in ``Secret``. :func:`plain` turns them into the plain data
the rules take, unknowns as ``policy.model.UNKNOWN``, so the rules behave exactly as they do offline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    StackValidationArgs,
    StackValidationPolicy,
    proxy,
)
from pulumi_policy.proxy import UnknownValueError

from policy.catalog import RESOURCE_RULES, STACK_RULES
from policy.model import UNKNOWN, Enforcement, Resource, ResourceRule, StackRule

PACK_NAME = "platform"
TIERS = ["dev", "staging", "prod"]
# The strings that stand for an unknown value of each kind (UNKNOWN_STRING_VALUE, UNKNOWN_BOOLEAN_VALUE, ...).
_SENTINELS = {getattr(proxy, n) for n in dir(proxy) if n.startswith("UNKNOWN_") and n.endswith("_VALUE")}
_LEVELS = {Enforcement.MANDATORY: EnforcementLevel.MANDATORY, Enforcement.ADVISORY: EnforcementLevel.ADVISORY}


def plain(value: Any) -> Any:
    """CrossGuard props as plain data: secrets unwrapped, unknown values ``UNKNOWN``."""
    if isinstance(value, Secret):
        return plain(value.value)
    if isinstance(value, str):
        return UNKNOWN if value in _SENTINELS else value
    if isinstance(value, Mapping):
        return {key: _item(value, key) for key in value}
    if isinstance(value, Sequence):
        return [_item(value, i) for i in range(len(value))]
    return value


def _item(container: Any, key: Any) -> Any:
    try:
        return plain(container[key])
    except UnknownValueError:
        return UNKNOWN


def _resource(resource_type: str, name: str, props: Any, protect: bool, urn: str) -> Resource:
    return Resource(type=resource_type, name=name, props=plain(props), protect=protect, urn=urn)


def resource_policy(rule: ResourceRule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        resource = _resource(args.resource_type, args.name, args.props, args.opts.protect, args.urn)
        for message in rule.check(resource):
            report(message, None)

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_LEVELS[rule.enforcement],
    )


def stack_policy(rule: StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [
            _resource(r.resource_type, r.name, r.props, r.opts.protect, r.urn) for r in args.resources
        ]
        tier = args.get_config().get("tier")
        for resource, message in rule.check(resources, tier):
            report(message, resource.urn if resource and resource.urn else None)

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_LEVELS[rule.enforcement],
        # Optional: without it the tier is the `environment` default tag of the stack's AWS provider.
        config_schema=PolicyConfigSchema(properties={"tier": {"type": "string", "enum": TIERS}}),
    )


def policies() -> list[Policy]:
    """Every rule of the catalogue as a CrossGuard policy."""
    return [resource_policy(r) for r in RESOURCE_RULES] + [stack_policy(r) for r in STACK_RULES]
