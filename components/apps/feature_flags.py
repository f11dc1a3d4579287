"""``FeatureFlags``: the stack's flag values deployed into the platform's AppConfig store (services project).

``services:flags`` (:mod:`components.apps.flags`) becomes two hosted configuration versions, one per
profile of the platform's ``FlagStore`` (``components/apps/flag_store.py``), and a deployment of each:
the product's flags with the store's gradual strategy (AppConfig rolls them back on the alarm), the
release holds (expiring flags, off here) with ``AppConfig.AllAtOnce``. A changed value is a new version
and a new deployment; an unchanged one changes nothing.

Resource schema: pulumi-aws 7.51.1 ``pulumi_aws/appconfig`` (``HostedConfigurationVersion``
``application_id``, ``configuration_profile_id``, ``content``, ``content_type``; ``Deployment``
``application_id``, ``environment_id``, ``configuration_profile_id``, ``configuration_version`` (a
string), ``deployment_strategy_id`` (an id or a predefined strategy's name)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.apps.flag_store import ALL_AT_ONCE, FLAGS_PROFILE, HOLDS_PROFILE
from components.apps.flags import FlagSpec, appconfig_content, split
from components.core.tier import Tier


@dataclass(frozen=True)
class FlagStoreIds:
    """The platform's ``FlagStore``, as its outputs name it."""

    application_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    holds_environment_id: pulumi.Input[str]
    profile_id: pulumi.Input[str]
    holds_profile_id: pulumi.Input[str]
    strategy_id: pulumi.Input[str]


@dataclass(frozen=True)
class FeatureFlagsArgs:
    """Inputs of :class:`FeatureFlags`.

    Attributes:
        flags: ``services:flags``.
        tier: the stack's tier (picks each flag's default).
        environment: the stack.
        store: the platform's AppConfig store.
    """

    flags: Mapping[str, FlagSpec]
    tier: Tier
    environment: str
    store: FlagStoreIds


class FeatureFlags(pulumi.ComponentResource):
    """A hosted version and a deployment per profile of the platform's flag store."""

    def __init__(self, name: str, args: FeatureFlagsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:apps:FeatureFlags", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        product, holds = split(args.flags)
        store = args.store
        for profile, flags, environment_id, profile_id, strategy in (
            (FLAGS_PROFILE, product, store.environment_id, store.profile_id, store.strategy_id),
            (HOLDS_PROFILE, holds, store.holds_environment_id, store.holds_profile_id, ALL_AT_ONCE),
        ):
            version = aws.appconfig.HostedConfigurationVersion(
                f"{name}-{profile}-version",
                application_id=store.application_id,
                configuration_profile_id=profile_id,
                content=appconfig_content(flags, args.tier),
                content_type="application/json",
                description=f"services:flags of {args.environment}",
                opts=child,
            )
            aws.appconfig.Deployment(
                f"{name}-{profile}-deployment",
                application_id=store.application_id,
                environment_id=environment_id,
                configuration_profile_id=profile_id,
                configuration_version=version.version_number.apply(str),
                deployment_strategy_id=strategy,
                description=f"services:flags of {args.environment}",
                opts=child,
            )
        self.register_outputs({})
