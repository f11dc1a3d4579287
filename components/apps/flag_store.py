"""``FlagStore``: the AWS AppConfig home of an environment's feature flags (platform project).

The platform stack creates what changes rarely and what needs IAM: one application per environment
(``product-<env>``) with two environments and two ``AWS.AppConfig.FeatureFlags`` profiles (hosted), the
gradual deployment strategy, and the role AppConfig assumes to watch the rollback alarm. The services
stack deploys the flag values into it (``components/apps/feature_flags.py``) with its own deploy identity,
which then needs no IAM right at all (not even ``iam:PassRole``: the monitor role is handed to AppConfig
here).

* ``flags`` in environment ``<env>``: the product's flags, deployed by the :data:`GRADUAL` strategy and
  rolled back by AppConfig when the environment's monitor alarm (the platform's load-balancer 5xx rate)
  goes off during the rollout or the bake;
* ``release-holds`` in environment ``<env>-release-holds``: the expiring flags a release turns on while it
  drains a queue, deployed at once. AppConfig runs one deployment per environment at a time, so a hold
  never waits behind a flag change's bake time.

Services read their flags with their own workload identity (:meth:`FlagStore.grant_read`:
``appconfig:StartConfigurationSession`` and ``appconfig:GetLatestConfiguration`` on the two profiles in
their environments), e.g. through the AppConfig agent, at :func:`reader_env`'s names.

Resource schema: pulumi-aws 7.51.1 ``pulumi_aws/appconfig`` (``Application``; ``Environment`` with
``monitors[]`` ``alarm_arn``/``alarm_role_arn``; ``ConfigurationProfile`` ``location_uri="hosted"``,
``type="AWS.AppConfig.FeatureFlags"``; ``DeploymentStrategy`` ``growth_factor``, ``growth_type``,
``deployment_duration_in_minutes``, ``final_bake_time_in_minutes``, ``replicate_to``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.core import iam
from components.core.context import AwsContext
from components.core.naming import physical_name

FEATURE_FLAGS = "AWS.AppConfig.FeatureFlags"
FLAGS_PROFILE = "flags"
HOLDS_PROFILE = "release-holds"
ALL_AT_ONCE = "AppConfig.AllAtOnce"
"""AppConfig's predefined strategy: every target at once (its bake time does not delay the change)."""


@dataclass(frozen=True)
class Gradual:
    """The product flags' deployment strategy: ``growth_factor`` percent more targets at each step over
    ``duration_minutes``, then ``bake_minutes`` watched for the alarm before the change is final."""

    growth_factor: float = 20.0
    duration_minutes: int = 10
    bake_minutes: int = 10


GRADUAL = Gradual()


def application_name(environment: str) -> str:
    return f"product-{environment}"


def holds_environment(environment: str) -> str:
    return f"{environment}-release-holds"


def reader_env(environment: str) -> dict[str, str]:
    """Where a service finds its flags: names, which AppConfig's data API takes as identifiers."""
    return {
        "APPCONFIG_APPLICATION": application_name(environment),
        "APPCONFIG_ENVIRONMENT": environment,
        "APPCONFIG_PROFILE": FLAGS_PROFILE,
        "APPCONFIG_HOLDS_ENVIRONMENT": holds_environment(environment),
        "APPCONFIG_HOLDS_PROFILE": HOLDS_PROFILE,
    }


def read_statement(configuration_arns: list[str]) -> dict[str, Any]:
    """Read-only access to the flags: a configuration session and its latest configuration."""
    return {
        "Sid": "ReadFeatureFlags",
        "Effect": "Allow",
        "Action": ["appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"],
        "Resource": sorted(configuration_arns),
    }


@dataclass(frozen=True)
class FlagStoreArgs:
    """Inputs of :class:`FlagStore`.

    Attributes:
        context: account, partition, region and the permissions boundary.
        environment: the stack.
        rollback_alarm_arn: the alarm that rolls a flag change back; ``None`` where the platform has
            none (no load balancer yet to watch): changes then roll out unwatched. Defaults to none.
        strategy: the product flags' rollout. Defaults to :data:`GRADUAL`.
    """

    context: AwsContext
    environment: str
    rollback_alarm_arn: pulumi.Input[str] | None = None
    strategy: Gradual = GRADUAL


class FlagStore(pulumi.ComponentResource):
    """The environment's AppConfig application, environments, profiles, strategy and monitor role."""

    application_id: pulumi.Output[str]
    environment_id: pulumi.Output[str]
    holds_environment_id: pulumi.Output[str]
    profile_id: pulumi.Output[str]
    holds_profile_id: pulumi.Output[str]
    strategy_id: pulumi.Output[str]

    def __init__(self, name: str, args: FlagStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:apps:FlagStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx, env = args.context, args.environment
        app = aws.appconfig.Application(
            f"{name}-application",
            name=application_name(env),
            description=f"feature flags of the product in {env} (services:flags)",
            opts=child,
        )
        monitors = None
        if args.rollback_alarm_arn is not None:
            role = aws.iam.Role(
                f"{name}-monitor",
                name=physical_name(env, "appconfig-monitor"),
                description="AWS AppConfig reads the alarm that rolls a feature-flag change back",
                assume_role_policy=ctx.account_id.apply(
                    lambda a: iam.dumps(iam.service_trust("appconfig.amazonaws.com", a))
                ),
                permissions_boundary=ctx.permissions_boundary,
                opts=child,
            )
            # The one permission the AppConfig User Guide gives for rollback on CloudWatch alarms.
            aws.iam.RolePolicy(
                f"{name}-monitor",
                role=role.id,
                policy=iam.dumps(
                    iam.document({"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"})
                ),
                opts=child,
            )
            monitors = [
                aws.appconfig.EnvironmentMonitorArgs(
                    alarm_arn=args.rollback_alarm_arn, alarm_role_arn=role.arn
                )
            ]
        environment = aws.appconfig.Environment(
            f"{name}-environment",
            application_id=app.id,
            name=env,
            description="product flags: rolled out gradually, rolled back on the alarm",
            monitors=monitors,
            opts=child,
        )
        holds = aws.appconfig.Environment(
            f"{name}-holds-environment",
            application_id=app.id,
            name=holds_environment(env),
            description="release holds (expiring flags): switched at once by a release",
            opts=child,
        )
        profiles = {
            profile: aws.appconfig.ConfigurationProfile(
                f"{name}-{profile}",
                application_id=app.id,
                name=profile,
                location_uri="hosted",
                type=FEATURE_FLAGS,
                opts=child,
            )
            for profile in (FLAGS_PROFILE, HOLDS_PROFILE)
        }
        s = args.strategy
        strategy = aws.appconfig.DeploymentStrategy(
            f"{name}-gradual",
            name=f"{application_name(env)}-gradual",
            description=f"{s.growth_factor:g}% more targets per step over {s.duration_minutes} min, then"
            f" {s.bake_minutes} min watched for the alarm",
            growth_factor=s.growth_factor,
            growth_type="LINEAR",
            deployment_duration_in_minutes=s.duration_minutes,
            final_bake_time_in_minutes=s.bake_minutes,
            replicate_to="NONE",
            opts=child,
        )
        self.application_id = app.id
        self.environment_id = environment.environment_id
        self.holds_environment_id = holds.environment_id
        self.profile_id = profiles[FLAGS_PROFILE].configuration_profile_id
        self.holds_profile_id = profiles[HOLDS_PROFILE].configuration_profile_id
        self.strategy_id = strategy.id
        self._configurations = pulumi.Output.all(
            ctx.partition,
            ctx.account_id,
            app.id,
            environment.environment_id,
            holds.environment_id,
            self.profile_id,
            self.holds_profile_id,
        ).apply(
            lambda v: [
                f"arn:{v[0]}:appconfig:{ctx.region}:{v[1]}:application/{v[2]}/environment/{v[3]}/configuration/{v[5]}",
                f"arn:{v[0]}:appconfig:{ctx.region}:{v[1]}:application/{v[2]}/environment/{v[4]}/configuration/{v[6]}",
            ]
        )
        self.register_outputs(
            {
                "application_id": self.application_id,
                "environment_id": self.environment_id,
                "holds_environment_id": self.holds_environment_id,
                "profile_id": self.profile_id,
                "holds_profile_id": self.holds_profile_id,
                "strategy_id": self.strategy_id,
            }
        )

    def grant_read(self) -> pulumi.Output[list[dict[str, Any]]]:
        """The statement letting a service identity read both profiles in their environments."""
        return self._configurations.apply(lambda arns: [read_statement(arns)])
