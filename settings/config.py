"""Stack configuration: the ``platform:*`` keys, read once into frozen, typed settings.

Every problem is reported at once, each naming the full key (``platform:network.cidr``), the value
received and what is allowed, before a single resource is registered. Unknown keys are errors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, cast, get_args, get_origin

import pulumi
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from components.core import placeholders
from components.core.account import partition_of
from components.core.catalog import suggestion
from components.core.catalog.kubernetes import RunDateError, run_date
from components.core.iam import permissions_boundary_arn
from components.core.model import Spec
from components.core.tags import common_tags
from components.core.tier import Tier, TierPolicy, policy_for
from settings import guardrails, reviews, stackfile, stacks
from settings.errors import ConfigError
from settings.schema import (
    NAMESPACE,
    SERVICES_NAMESPACE,
    ServicesStackConfig,
    StackConfig,
)

__all__ = ["ConfigError", "Settings", "load", "parse"]

_SECRET_SHOWN_AS = "[secret]"


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

    @property
    def account_id(self) -> str:
        return self.config.account_id

    @property
    def permissions_boundary_arn(self) -> str:
        """The boundary every role of the stack carries: the configured one, or the bootstrap's."""
        configured = self.config.iam.permissions_boundary_arn
        return configured or permissions_boundary_arn(partition_of(self.region), self.account_id)


_SUPPORT_WINDOW = {"enforced": True}


@contextlib.contextmanager
def support_window_reported() -> Iterator[None]:
    """Within it, a version past its EKS support window is a warning, not a config error: ``upgrade-check``
    reads such a stack precisely to move it off that version."""
    _SUPPORT_WINDOW["enforced"] = False
    try:
        yield
    finally:
        _SUPPORT_WINDOW["enforced"] = True


def _support_window(
    config: StackConfig, invalid: frozenset[str], today: dt.date | None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    """The support-window errors and warnings of ``config`` on the run date, and a bad run date."""
    if "cluster" in invalid or "tier" in invalid:
        return [], [], []
    try:
        day = today or run_date()
    except RunDateError as exc:
        return [], [], [str(exc)]
    errors, warnings = guardrails.support_window(config, day)
    if not _SUPPORT_WINDOW["enforced"]:
        return [], errors + warnings, []
    return errors, warnings, []


def parse(
    raw: Mapping[str, str],
    stack: str,
    project: str = NAMESPACE,
    secret_keys: Iterable[str] = (),
    today: dt.date | None = None,
) -> Settings:
    """Validate the raw config of a platform stack (``{"platform:network": "<json>", ...}``).

    Keys of the providers' and Pulumi's namespaces (``aws:``, ``pulumi:``) are not this program's and
    are ignored; a key of any other namespace is an error (a mistyped ``platfrom:`` would drop a section).
    The guardrails run over every section that validated, so one run reports every problem it can. The
    cluster's version is checked against the EKS support calendar on ``today`` (default: the run date,
    ``$PLATFORM_RUN_DATE`` or today in UTC).

    Raises:
        ConfigError: with every problem found.
    """
    secret, values = _values(NAMESPACE, raw, secret_keys)
    problems = _misplaced(StackConfig, NAMESPACE, raw, secret, values)
    config, invalid, schema_problems = _validate_partial(StackConfig, NAMESPACE, values, secret)
    problems += schema_problems
    problems += _plaintext_secrets(StackConfig, NAMESPACE, config, secret, invalid)
    policy = None if "tier" in invalid else policy_for(config.tier)
    found = guardrails.check(config, policy, invalid) + guardrails.name_problems(stack, config, invalid)
    support_errors, _, date_problems = _support_window(config, invalid, today)
    problems += [f"{NAMESPACE}:{key}: {message}" for key, message in found + support_errors]
    problems += date_problems
    if problems:
        raise ConfigError(stack, problems)
    return Settings(project=project, environment=stack, config=config)


def _values(
    namespace: str, raw: Mapping[str, str], secret_keys: Iterable[str]
) -> tuple[set[str], dict[str, Any]]:
    """The settings of ``namespace`` stored as secrets, and its decoded settings (without the prefix)."""
    secret = {k.split(":", 1)[1] for k in secret_keys if k.startswith(f"{namespace}:")}
    values = {
        key.split(":", 1)[1]: _decode(value) for key, value in raw.items() if key.startswith(f"{namespace}:")
    }
    return secret, values


def _misplaced(
    model: type[BaseModel],
    namespace: str,
    raw: Mapping[str, str],
    secret: set[str],
    values: Mapping[str, Any],
) -> list[str]:
    """Keys of an unknown namespace, and settings stored as secrets that are not secret."""
    takes_secrets = _secret_settings(model)
    return stackfile.namespace_problems(raw.keys(), namespace) + [
        f"{namespace}:{key}: is stored as a secret, but this setting is not secret and would reach resources in"
        f" plain text; set it without --secret (settings that take secrets: {', '.join(takes_secrets) or 'none'})"
        for key in sorted(secret)
        if key in values and key not in takes_secrets
    ]


_S = TypeVar("_S", bound=Spec)


def _validate_partial(
    model: type[_S], namespace: str, values: dict[str, Any], secret: set[str]
) -> tuple[_S, frozenset[str], list[str]]:
    """The config, the settings that failed (absent from it) and their problems.

    A top-level setting that fails is left out and named in the returned set; every other setting is
    kept, so the guardrails can still run over it. A mapping of named entries (``services:apps``) is kept
    entry by entry: its entries that validated stay in the config, and each failed entry is named as
    ``<setting>.<entry>`` beside the setting itself.
    """
    try:
        return model.model_validate(values), frozenset(), []
    except ValidationError as exc:
        errors = exc.errors()
    problems = [_describe(err, secret, model, namespace) for err in errors]
    invalid = {str(err["loc"][0]) for err in errors if err["loc"]}
    partial: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        alias = field.alias or name
        if alias not in values:
            continue
        if alias in invalid:
            entries = _valid_entries(field.annotation, values[alias], errors, alias)
            if entries is not None:
                partial[name], failed = entries
                invalid |= {f"{alias}.{entry}" for entry in failed}
            continue
        annotation: Any = field.annotation
        if field.metadata:
            annotation = Annotated.__class_getitem__((annotation, *field.metadata))  # type: ignore[attr-defined]
        adapter: TypeAdapter[Any] = TypeAdapter(annotation)
        try:
            partial[name] = adapter.validate_python(values[alias])
        except ValidationError:
            invalid.add(alias)
    missing = {f.alias or n for n, f in model.model_fields.items() if f.is_required() and n not in partial}
    return cast(_S, model.model_construct(**partial)), frozenset(invalid | missing), problems


def _valid_entries(
    annotation: Any, value: Any, errors: list[Any], alias: str
) -> tuple[dict[str, Any], set[str]] | None:
    """For a mapping of named models: the entries that validate on their own, and the names that fail.

    ``None`` when ``annotation`` is not such a mapping or ``value`` is not a mapping. The mapping's own
    validators (across entries) are not run here: they have already reported on the whole mapping.
    """
    if get_origin(annotation) is not dict or not isinstance(value, dict):
        return None
    key_type, entry_type = get_args(annotation)
    if _model_in(entry_type) is None:
        return None
    failed = {str(err["loc"][1]) for err in errors if len(err["loc"]) > 1 and err["loc"][0] == alias}
    adapter: TypeAdapter[Any] = TypeAdapter(dict[key_type, entry_type])  # type: ignore[valid-type]
    kept: dict[str, Any] = {}
    for entry, spec in value.items():
        if str(entry) in failed:
            continue
        try:
            kept.update(adapter.validate_python({entry: spec}))
        except ValidationError:
            failed.add(str(entry))
    return kept, failed


def _plaintext_secrets(
    model: type[BaseModel], namespace: str, config: BaseModel, secret: set[str], invalid: frozenset[str]
) -> list[str]:
    """Secret settings (API keys...) written in plain text: they must be ``secure:`` values."""
    problems = []
    for name, field in model.model_fields.items():
        alias = field.alias or name
        if alias in invalid or alias in secret:
            continue
        for path in _secret_paths(getattr(config, name, None), alias):
            problems.append(
                f"{namespace}:{path}: is written in plain text; store it encrypted with"
                f" `pulumi config set --secret --path {namespace}:{path} ...` (a secure: value)"
            )
    return problems


def _secret_paths(value: Any, path: str) -> list[str]:
    if isinstance(value, SecretStr):
        return [path]
    if isinstance(value, BaseModel):
        return [
            p
            for n, f in type(value).model_fields.items()
            for p in _secret_paths(getattr(value, n), f"{path}.{f.alias or n}")
        ]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _secret_paths(v, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _secret_paths(v, f"{path}.{k}")]
    return []


def load() -> Settings:
    """Read and validate the running platform stack's configuration from the Pulumi runtime.

    Placeholder values (see :mod:`components.core.placeholders`) are a warning in a preview and an error in a real
    deployment.
    """
    raw, secret_keys = _runtime_config()
    settings = parse(raw, pulumi.get_stack(), pulumi.get_project(), secret_keys)
    check_placeholders(raw, NAMESPACE, settings.environment, secret_keys)
    _, warnings, _ = _support_window(settings.config, frozenset(), None)
    for key, message in warnings:
        pulumi.log.warn(f"Stack '{settings.environment}': {NAMESPACE}:{key}: {message}")
    return settings


def check_placeholders(
    raw: Mapping[str, str], namespace: str, stack: str, secret_keys: Iterable[str]
) -> None:
    """Warn (preview, offline run) or refuse (real deployment) when ``raw`` holds placeholder values.

    Raises:
        ConfigError: one problem per placeholder key, when this run deploys for real.
    """
    found = placeholders.find(raw, namespace, frozenset(secret_keys))
    if not found:
        return
    if placeholders.deploying():
        raise ConfigError(stack, placeholders.problems(found))
    pulumi.log.warn(f"Stack '{stack}': {placeholders.message(found)} (a real `pulumi up` refuses them)")


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

    @property
    def review_namespace(self) -> str | None:
        """A review environment's own namespace (its stack name, ``pr-<n>``); None: the product namespace."""
        return self.environment if self.config.review_environment is not None else None


def parse_services(
    raw: Mapping[str, str],
    stack: str,
    platform: Settings,
    project: str = SERVICES_NAMESPACE,
    secret_keys: Iterable[str] = (),
) -> ServicesSettings:
    """Validate the raw config of a services stack against the platform stack it deploys onto.

    As :func:`parse` does, one run reports every problem: the schema's, and the guardrails' over every
    setting (and every service of ``apps``) that validated.

    Raises:
        ConfigError: with every problem found.
    """
    secret, values = _values(SERVICES_NAMESPACE, raw, secret_keys)
    problems = _misplaced(ServicesStackConfig, SERVICES_NAMESPACE, raw, secret, values)
    config, invalid, schema_problems = _validate_partial(
        ServicesStackConfig, SERVICES_NAMESPACE, values, secret
    )
    problems += schema_problems
    problems += _plaintext_secrets(ServicesStackConfig, SERVICES_NAMESPACE, config, secret, invalid)
    found = guardrails.check_services(config, platform.config, stack, invalid)
    # Image registries are checked on the raw values: an image the schema refuses (`latest`) is still named.
    found += guardrails.image_registry_problems(values.get("apps"), platform.config)
    problems += [f"{SERVICES_NAMESPACE}:{key}: {message}" for key, message in found]
    if problems:
        raise ConfigError(stack, problems)
    return ServicesSettings(project=project, environment=stack, config=config, platform=platform)


def platform_settings(stack: str, root: Path = stacks.ROOT) -> Settings:
    """The validated settings of the platform stack file ``stack`` (a ConfigError if invalid or missing).

    The services project reads them to check its references (secrets, stores, the cluster) before any
    resource exists; the platform's run-time values reach it through a ``StackReference``.
    """
    try:
        stack_file = stacks.read(stack, stacks.Project.PLATFORM, root)
    except FileNotFoundError as exc:
        raise ConfigError(
            stack,
            [f"the services stack {stack!r} deploys onto the platform stack of the same name, but {exc}"],
        ) from None
    return parse(stack_file.config, stack, stack_file.project, stack_file.secret_keys)


def services_settings(platform: Settings, root: Path = stacks.ROOT) -> ServicesSettings | None:
    """The validated services stack file of the same name as ``platform``, read by the platform program for
    the workloads' identities (what each service ``uses``); ``None`` when the stack has no services file.

    Raises:
        ConfigError: the services stack file is invalid (each problem names its ``services:`` key).
    """
    directory = stacks.project_dir(stacks.Project.SERVICES, root)
    if not (directory / f"Pulumi.{platform.environment}.yaml").is_file():
        return None
    stack_file = stacks.read(platform.environment, stacks.Project.SERVICES, root)
    return parse_services(
        stack_file.config, platform.environment, platform, stack_file.project, stack_file.secret_keys
    )


def load_services() -> ServicesSettings:
    """Read and validate the running services stack, and the platform stack file of the same name."""
    stack = pulumi.get_stack()
    # The language host passes the project's directory (services/, where its Pulumi.yaml is).
    project_root = Path(pulumi.runtime.get_root_directory() or os.getcwd()).resolve()
    raw, secret_keys = _runtime_config()
    raw = reviews.services_config(raw, stack, project_root)  # a review stack: its base's services
    platform = platform_settings(stacks.platform_stack_of(stack, raw), project_root.parent)
    settings = parse_services(raw, stack, platform, pulumi.get_project(), secret_keys)
    check_placeholders(raw, SERVICES_NAMESPACE, stack, secret_keys)
    return settings


def _runtime_config() -> tuple[dict[str, str], list[str]]:
    raw = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return raw, [key for key in raw if pulumi.runtime.is_config_secret(key)]


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
    received = _SECRET_SHOWN_AS if loc and loc[0] in secret else shown(err.get("input"))
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        return f"{key}: unknown key{suggestion(str(loc[-1]), allowed)} (allowed here: {', '.join(allowed)})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{key}: must be a mapping of settings; got {received}"
    if kind == "missing":
        return f"{key}: required, but not set"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{key}: {message}; got {received}"


def shown(value: Any) -> str:
    """A value as the stack file wrote it: YAML/JSON spelling, strings quoted (a trailing newline shows
    as ``\\n``), long mappings and lists shortened."""
    if isinstance(value, dict) and value:
        # A whole section: its keys, not its values (which may hold a secret written in plain text).
        return f"a mapping with keys {', '.join(str(k) for k in value)}"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _allowed_keys(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The camelCase keys of the spec at ``loc``, to say what a misspelt key could have been."""
    model: type[BaseModel] | None = root
    parts = list(loc)
    for index, part in enumerate(parts):
        if model is None:
            break
        if isinstance(part, int):
            continue
        field_info = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if field_info is None:
            continue  # a key of a mapping (platform:services.<name>), or a union's tag (canary)
        following = parts[index + 1] if index + 1 < len(parts) else None
        model = _model_for(field_info.annotation, following)
    if model is None:
        return []
    return sorted(f.alias or n for n, f in model.model_fields.items())


def _model_for(annotation: Any, tag: int | str | None) -> type[BaseModel] | None:
    """The model of ``annotation``; of a tagged union, the member whose ``type`` is ``tag``."""
    members = _models_in(annotation)
    for member in members:
        type_field = member.model_fields.get("type")
        if type_field is not None and str(type_field.default) == str(tag):
            return member
    return members[0] if members else None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, tuple, list, dict) or get_args(annotation):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
