"""Stack configuration: the ``platform:*`` keys, read once into frozen, typed settings.

Every problem is reported at once, each naming the full key (``platform:network.cidr``), the value
received and what is allowed, before a single resource is registered. Unknown keys are errors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

import pulumi
from pydantic import BaseModel, Field, SecretStr, ValidationError

from components.apps.spec import DeliverySpec, Services
from components.ci.runners import RunnersSpec
from components.cluster.spec import ClusterSpec
from components.core.model import Spec
from components.core.region import AwsRegion
from components.core.tags import common_tags
from components.core.tier import Tier, TierPolicy, policy_for
from components.data.atlas_spec import AtlasSpec
from components.data.buckets import BucketsSpec
from components.data.postgres import PostgresSpec
from components.data.redis import RedisSpec
from components.network.spec import NetworkSpec
from components.observability.spec import ObservabilitySpec
from components.security.keys import KeysSpec
from components.security.secrets import SecretsSpec
from infra import guardrails

NAMESPACE = "platform"
SERVICES_NAMESPACE = "services"
DEFAULT_REGION = "ap-northeast-2"
_SECRET_SHOWN_AS = "[secret]"


class StackConfig(Spec):
    """Everything a ``Pulumi.<stack>.yaml`` can say under ``platform:``.

    Attributes:
        tier: ``dev``, ``staging`` or ``prod``; sets the guardrails (required).
        region: AWS region. Defaults to ``ap-northeast-2``.
        tags: extra tags for every taggable resource. Defaults to none.
        protect: ``true`` to protect stateful resources even where the tier does not; ``false`` is
            refused where the tier protects. Defaults to the tier's choice.
        network: the VPC (required).
        keys: KMS key settings. Defaults to 90-day rotation and a 30-day deletion window.
        secrets: application secrets. Defaults to none.
        postgres: PostgreSQL on RDS. Defaults to none.
        redis: Redis/Valkey on ElastiCache. Defaults to none.
        buckets: S3 buckets. Defaults to none.
        atlas: MongoDB Atlas; its API keys, when set, are ``secure:`` values. Defaults to none.
        cluster: the EKS cluster and its add-ons. Defaults to none (no cluster).
        runners: GitHub Actions runners in the VPC, where every job that reaches the cluster runs.
            Defaults to none.
        observability: alert route, budget and alarm thresholds. Defaults to none (the policy pack's
            tier-floors rule requires the alert topic and the budget in prod).
    """

    tier: Tier
    region: AwsRegion = DEFAULT_REGION
    tags: dict[str, str] = Field(default_factory=dict)
    protect: bool | None = None
    network: NetworkSpec
    keys: KeysSpec = KeysSpec()
    secrets: SecretsSpec = SecretsSpec()
    postgres: PostgresSpec | None = None
    redis: RedisSpec | None = None
    buckets: BucketsSpec | None = None
    atlas: AtlasSpec | None = None
    cluster: ClusterSpec | None = None
    runners: RunnersSpec | None = None
    observability: ObservabilitySpec | None = None


@dataclass(frozen=True)
class Settings:
    """The validated settings of one stack, as the program uses them.

    Attributes:
        project: the Pulumi project (``platform``).
        environment: the stack name (``dev``, ``staging``, ``prod``).
        config: the validated ``platform:*`` keys.
    """

    project: str
    environment: str
    config: StackConfig

    @property
    def tier(self) -> Tier:
        return self.config.tier

    @property
    def policy(self) -> TierPolicy:
        return policy_for(self.config.tier)

    @property
    def protect(self) -> bool:
        """Whether stateful resources carry ``protect=True``: the tier's floor, tightened by the stack."""
        return self.policy.protect or bool(self.config.protect)

    @property
    def tags(self) -> dict[str, str]:
        return common_tags(self.project, self.environment, self.config.tags, self.config.tier.value)

    @property
    def region(self) -> str:
        return self.config.region


class ConfigError(pulumi.RunError):
    """The stack configuration is invalid. ``problems`` holds one readable line per problem.

    A ``RunError`` makes the real language host print the message without a traceback.
    """

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"Stack '{stack}' configuration has {len(problems)} {noun}:\n{lines}")


def parse(
    raw: Mapping[str, str],
    stack: str,
    project: str = NAMESPACE,
    secret_keys: Iterable[str] = (),
) -> Settings:
    """Validate the raw config of a platform stack (``{"platform:network": "<json>", ...}``).

    Keys of other namespaces (``aws:``, ``pulumi:``) are not this program's and are ignored.

    Raises:
        ConfigError: with every problem found.
    """
    config = _validate(StackConfig, NAMESPACE, raw, stack, secret_keys)
    _raise_if(stack, NAMESPACE, guardrails.check(config, policy_for(config.tier)))
    return Settings(project=project, environment=stack, config=config)


def load() -> Settings:
    """Read and validate the running platform stack's configuration from the Pulumi runtime."""
    raw, secret_keys = _runtime_config()
    return parse(raw, pulumi.get_stack(), pulumi.get_project(), secret_keys)


class ServicesStackConfig(Spec):
    """Everything a ``services/Pulumi.<stack>.yaml`` can say under ``services:``.

    The services project ships what changes daily (the product's services) on top of the platform stack
    of the same name, whose outputs it reads through a ``StackReference``.

    Attributes:
        platform_stack: the platform stack to read, as ``StackReference`` names it. Defaults to
            ``organization/platform/<stack>`` (the DIY backend's name for the platform stack of the same
            name).
        delivery: how services are delivered: gates, timeouts. Defaults to the deployment guide's gates.
        apps: the product's services by name (see ``components.apps.spec.AppSpec``). Defaults to none.
    """

    platform_stack: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$")
    delivery: DeliverySpec = DeliverySpec()
    apps: Services = Field(default_factory=dict)


@dataclass(frozen=True)
class ServicesSettings:
    """The validated settings of one services stack, with the platform stack's settings it runs on.

    Attributes:
        project: the Pulumi project (``services``).
        environment: the stack name; the platform stack of the same name is the one it deploys onto.
        config: the validated ``services:*`` keys.
        platform: the platform stack's settings, read from its stack file in this repository (the tier,
            the region, which stores and secrets exist) so that a reference to something the platform
            does not have is a config error before any resource exists.
    """

    project: str
    environment: str
    config: ServicesStackConfig
    platform: Settings

    @property
    def tier(self) -> Tier:
        return self.platform.tier

    @property
    def platform_stack(self) -> str:
        return self.config.platform_stack or f"organization/{NAMESPACE}/{self.environment}"


def parse_services(
    raw: Mapping[str, str],
    stack: str,
    platform: Settings,
    project: str = SERVICES_NAMESPACE,
    secret_keys: Iterable[str] = (),
) -> ServicesSettings:
    """Validate the raw config of a services stack against the platform stack it deploys onto.

    Raises:
        ConfigError: with every problem found.
    """
    config = _validate(ServicesStackConfig, SERVICES_NAMESPACE, raw, stack, secret_keys)
    _raise_if(stack, SERVICES_NAMESPACE, guardrails.check_services(config, platform.config, stack))
    return ServicesSettings(project=project, environment=stack, config=config, platform=platform)


def load_services() -> ServicesSettings:
    """Read and validate the running services stack, and the platform stack file of the same name."""
    from infra import stacks

    stack = pulumi.get_stack()
    # The language host passes the project's directory (services/, where its Pulumi.yaml is).
    project_root = Path(pulumi.runtime.get_root_directory() or os.getcwd()).resolve()
    platform = stacks.platform_settings(stack, project_root.parent)
    raw, secret_keys = _runtime_config()
    return parse_services(raw, stack, platform, pulumi.get_project(), secret_keys)


def _runtime_config() -> tuple[dict[str, str], list[str]]:
    raw = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return raw, [key for key in raw if pulumi.runtime.is_config_secret(key)]


_M = TypeVar("_M", bound=Spec)


def _validate(
    model: type[_M], namespace: str, raw: Mapping[str, str], stack: str, secret_keys: Iterable[str]
) -> _M:
    """``raw``'s ``<namespace>:*`` keys validated into ``model``, or a ConfigError with every problem."""
    secret = {k.split(":", 1)[1] for k in secret_keys if k.startswith(f"{namespace}:")}
    values = {
        key.split(":", 1)[1]: _decode(value) for key, value in raw.items() if key.startswith(f"{namespace}:")
    }
    takes_secrets = _secret_settings(model)
    misplaced = [
        f"{namespace}:{key}: is stored as a secret, but this setting is not secret and would reach resources in"
        f" plain text; set it without --secret (settings that take secrets: {', '.join(takes_secrets) or 'none'})"
        for key in sorted(secret)
        if key in values and key not in takes_secrets
    ]
    try:
        config = model.model_validate(values)
    except ValidationError as exc:
        described = [_describe(err, secret, model, namespace) for err in exc.errors()]
        raise ConfigError(stack, misplaced + described) from None
    if misplaced:
        raise ConfigError(stack, misplaced)
    return config


def _raise_if(stack: str, namespace: str, problems: list[tuple[str, str]]) -> None:
    if problems:
        raise ConfigError(stack, [f"{namespace}:{key}: {message}" for key, message in problems])


def _secret_settings(model: type[BaseModel]) -> list[str]:
    """The top-level settings that hold a ``SecretStr`` somewhere, and so may be stored as secrets."""
    return sorted(
        field.alias or name for name, field in model.model_fields.items() if _holds_secret(field.annotation)
    )


def _holds_secret(annotation: Any, seen: frozenset[Any] = frozenset()) -> bool:
    if annotation is SecretStr:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        return any(_holds_secret(f.annotation, seen | {annotation}) for f in annotation.model_fields.values())
    return any(_holds_secret(arg, seen) for arg in get_args(annotation))


def _decode(value: Any) -> Any:
    """Pulumi hands structured config values to the program as JSON text; plain ones as strings."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _key(loc: tuple[int | str, ...], namespace: str) -> str:
    parts = ""
    for part in loc:
        parts += f"[{part}]" if isinstance(part, int) else (f".{part}" if parts else str(part))
    return f"{namespace}:{parts}"


def _describe(err: Mapping[str, Any], secret: set[str], model: type[BaseModel], namespace: str) -> str:
    loc = tuple(err["loc"])
    key = _key(loc, namespace)
    kind = err["type"]
    received = _SECRET_SHOWN_AS if loc and loc[0] in secret else repr(err.get("input"))
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        return f"{key}: unknown key (allowed here: {', '.join(allowed)})"
    if kind == "missing":
        return f"{key}: required, but not set"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{key}: {message}; got {received}"


def _allowed_keys(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The camelCase keys of the spec at ``loc``, to say what a misspelt key could have been."""
    model: type[BaseModel] | None = root
    for part in loc:
        if model is None:
            break
        if isinstance(part, int):
            continue
        field_info = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if field_info is None:
            continue  # a key of a mapping (services:apps.<name>): the model is the mapping's value
        model = _model_in(field_info.annotation) if field_info else None
    if model is None:
        return []
    return sorted(f.alias or n for n, f in model.model_fields.items())


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, tuple, list, dict) or get_args(annotation):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
