"""Stack configuration: the ``platform:*`` keys, read once into frozen, typed settings.

Every problem is reported at once, each naming the full key (``platform:network.cidr``), the value
received and what is allowed, before a single resource is registered. Unknown keys are errors.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Generic, TypeVar, Union, cast, get_args, get_origin

import pulumi
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from components.core import placeholders
from components.core.account import partition_of
from components.core.catalog import suggestion
from components.core.catalog.kubernetes import RunDateError, run_date
from components.core.iam import permissions_boundary_arn
from components.core.model import KeyedError, Spec
from components.core.tags import common_tags
from components.core.tier import Tier, TierPolicy, policy_for
from components.registry.policies import PromotionSource
from settings import guardrails, registry, reviews, stackfile, stacks
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
    binding: registry.Binding | None = None,
) -> Settings:
    """Validate the raw config of a platform stack (``{"platform:network": "<json>", ...}``).

    Keys of the providers' and Pulumi's namespaces (``aws:``, ``pulumi:``) are not this program's and
    are ignored; a key of any other namespace is an error (a mistyped ``platfrom:`` would drop a section).
    The guardrails run over every section that validated, so one run reports every problem it can. The
    cluster's version is checked against the EKS support calendar on ``today`` (default: the run date,
    ``$PLATFORM_RUN_DATE`` or today in UTC).

    ``binding`` is what the stack registry (``stacks.yaml``) says the stack is: the file's
    ``platform:tier`` and ``platform:accountId``, where stated, must agree with it, and the bound tier and
    account are the ones the settings and the guardrails use, whatever the file says. Every loader of a
    real stack passes it (:func:`load`, ``platform_settings``); ``None`` only in a spec's own tests.

    Raises:
        ConfigError: with every problem found.
    """
    secret, values = _values(NAMESPACE, raw, secret_keys, StackConfig)
    problems = _misplaced(StackConfig, NAMESPACE, raw, secret, values)
    if binding is not None:
        problems += registry.agreement_problems(binding, values, NAMESPACE)
        values = {**values, "tier": binding.tier.value, "accountId": binding.account_id}
    result = _validate_partial(StackConfig, NAMESPACE, values, secret)
    config, invalid = result.config, result.invalid
    problems += result.problems
    problems += _plaintext_secrets(StackConfig, NAMESPACE, config, secret, invalid)
    policy = None if "tier" in invalid else policy_for(config.tier)
    found = guardrails.check(config, policy, invalid) + guardrails.name_problems(stack, config, invalid)
    found += guardrails.recovery_problems(stack, config, policy, invalid)
    support_errors, _, date_problems = _support_window(config, invalid, today)
    problems += [f"{NAMESPACE}:{key}: {message}" for key, message in result.unhidden(found) + support_errors]
    problems += date_problems
    if problems:
        raise ConfigError(stack, problems)
    return Settings(project=project, environment=stack, config=config)


def parse_registered(
    raw: Mapping[str, str],
    stack: str,
    project: str,
    secret_keys: Iterable[str],
    bound: registry.Registry,
) -> Settings:
    """:func:`parse` bound by the stack registry ``bound``; a stack it lacks is refused, with every other
    problem of its file in the same message (the stack's own problems are not hidden by the registry's)."""
    binding = bound.get(stack)
    if binding is not None:
        return parse(raw, stack, project, secret_keys, binding=binding)
    problems = [registry.unregistered(stack, bound)]
    try:
        parse(raw, stack, project, secret_keys)
    except ConfigError as exc:
        problems += exc.problems
    raise ConfigError(stack, problems)


def _values(
    namespace: str, raw: Mapping[str, str], secret_keys: Iterable[str], model: type[BaseModel]
) -> tuple[set[str], dict[str, Any]]:
    """The settings of ``namespace`` stored as secrets, and its decoded settings (without the prefix).

    The engine passes a top-level boolean or number as its JSON text (``"true"``, ``"7"``), exactly as it
    passes the text ``"true"``: the two cannot be told apart, so a top-level setting typed as a boolean or
    a number takes that JSON text (and only it: ``"yes"`` stays text and is refused). Nested values keep
    the types the file wrote.
    """
    secret = {k.split(":", 1)[1] for k in secret_keys if k.startswith(f"{namespace}:")}
    scalar = {f.alias or n for n, f in model.model_fields.items() if _scalar_field(f.annotation)}
    values = {}
    for key, value in raw.items():
        if key.startswith(f"{namespace}:"):
            name = key.split(":", 1)[1]
            values[name] = _decode(value, name in scalar)
    return secret, values


def _scalar_field(annotation: Any) -> bool:
    members = [a for a in (get_args(annotation) or (annotation,)) if a is not type(None)]
    return bool(members) and all(m in (bool, int, float) for m in members)


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
_REPAIRS = 4
"""Rounds of setting aside what failed before a section counts as invalid as a whole."""


@dataclass(frozen=True)
class Validated(Generic[_S]):
    """What :func:`_validate_partial` makes of a stack's settings.

    Attributes:
        config: every setting that validated, or validated once its failing keys were set aside.
        invalid: the settings that could not be kept (absent from ``config``; checks reading them skip).
        problems: the schema's problems, each naming the key as written in the file and the value.
        set_aside: file paths (``network.azCount``) of the keys left out of a kept setting because they
            failed: the setting's default stands in for them, so a guardrail's problem at such a path is
            about a value the file did not write, and is not reported.
    """

    config: _S
    invalid: frozenset[str]
    problems: list[str]
    set_aside: frozenset[str]

    def unhidden(self, found: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The guardrails' problems that are not about a key set aside."""
        return [
            (key, message)
            for key, message in found
            if not any(key == p or key.startswith((f"{p}.", f"{p}[")) for p in self.set_aside)
        ]


def _strict(adapter: TypeAdapter[Any], value: Any) -> Any:
    """Validate as the stack file wrote it: no text taken as a number, no boolean as a number (strict
    mode over the JSON the engine hands over; an enum is still written as its text)."""
    return adapter.validate_json(stackfile.json_text(value), strict=True)


def _validate_partial(
    model: type[_S], namespace: str, values: dict[str, Any], secret: set[str]
) -> Validated[_S]:
    """The config, the settings that failed (absent from it) and their problems.

    One mistake must not hide another: a setting that fails only for unknown keys (typos) is validated
    again without them and kept, so the guardrails still run over it (a typo in ``platform:network`` does
    not hide prod's AZ floor). A setting that fails otherwise is left out and named in ``invalid`` (the
    checks that read it are skipped rather than judge a default the file did not write); a mapping of
    named entries (``services:apps``) is then kept entry by entry, each entry with only typos kept without
    them, each failed entry named as ``<setting>.<entry>``.
    """
    whole: TypeAdapter[Any] = TypeAdapter(model)
    try:
        return Validated(_strict(whole, values), frozenset(), [], frozenset())
    except ValidationError as exc:
        errors = exc.errors()
    problems = [_describe(err, secret, model, namespace) for err in errors]
    invalid = {str(err["loc"][0]) for err in errors if err["loc"]}
    set_aside: set[str] = set()
    partial: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        alias = field.alias or name
        if alias not in values:
            continue
        adapter: TypeAdapter[Any] = TypeAdapter(_annotation(field))
        kept = _repaired(adapter, model, alias, values[alias])
        if kept is not None:
            partial[name], removed = kept
            set_aside |= removed
            invalid.discard(alias)
            continue
        invalid.add(alias)
        entries = _valid_entries(field.annotation, values[alias], errors, alias, model, set_aside)
        if entries is not None:
            partial[name], failed = entries
            invalid |= {f"{alias}.{entry}" for entry in failed}
    missing = {f.alias or n for n, f in model.model_fields.items() if f.is_required() and n not in partial}
    config = cast(_S, model.model_construct(**partial))
    return Validated(config, frozenset(invalid | missing), problems, frozenset(set_aside))


def _annotation(field: Any) -> Any:
    annotation: Any = field.annotation
    if field.metadata:
        annotation = Annotated.__class_getitem__((annotation, *field.metadata))  # type: ignore[attr-defined]
    return annotation


def _repaired(
    adapter: TypeAdapter[Any], model: type[BaseModel], alias: str, value: Any
) -> tuple[Any, set[str]] | None:
    """``value`` validated with its unknown keys (typos) set aside: the result and the dotted paths set
    aside, or None when it fails for any other reason (a wrong value is not replaced by a default: the
    checks that read it would judge a value the file did not write)."""
    removed: set[str] = set()
    for _ in range(_REPAIRS):
        try:
            return _strict(adapter, value), removed
        except ValidationError as exc:
            errors = exc.errors()
        if any(err["type"] != "extra_forbidden" for err in errors):
            return None
        cuts = [_file_path(model, (alias, *err["loc"]))[1:] for err in errors]
        if any(isinstance(part, int) for cut in cuts for part in cut):
            return None  # inside a list: setting an item's key aside would change what the item says
        value = copy.deepcopy(value)
        if not all(_remove(value, cut) for cut in cuts):
            return None
        removed |= {_dotted((alias, *cut)) for cut in cuts}
    return None


def _remove(value: Any, path: tuple[int | str, ...]) -> bool:
    """Delete the key at ``path`` in nested mappings; whether there was one."""
    for part in path[:-1]:
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    if isinstance(value, dict) and path[-1] in value:
        del value[path[-1]]
        return True
    return False


def _dotted(path: tuple[int | str, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _valid_entries(
    annotation: Any, value: Any, errors: list[Any], alias: str, root: type[BaseModel], set_aside: set[str]
) -> tuple[dict[str, Any], set[str]] | None:
    """For a mapping of named models: the entries that validate on their own (their unknown keys set
    aside, into ``set_aside``), and the names that fail.

    ``None`` when ``annotation`` is not such a mapping or ``value`` is not a mapping. The mapping's own
    validators (across entries) are not run here: they have already reported on the whole mapping.
    """
    if get_origin(annotation) is not dict or not isinstance(value, dict):
        return None
    key_type, entry_type = get_args(annotation)
    if _model_in(entry_type) is None:
        return None
    failed = {
        str(err["loc"][1])
        for err in errors
        if len(err["loc"]) > 1 and err["loc"][0] == alias and err["type"] != "extra_forbidden"
    }
    adapter: TypeAdapter[Any] = TypeAdapter(dict[key_type, entry_type])  # type: ignore[valid-type]
    kept: dict[str, Any] = {}
    for entry, spec in value.items():
        if str(entry) in failed:
            continue
        repaired = _repaired(adapter, root, alias, {entry: spec})
        if repaired is None:
            failed.add(str(entry))
        else:
            kept.update(repaired[0])
            set_aside |= repaired[1]
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
    """Read and validate the running platform stack's configuration from the Pulumi runtime, bound by the
    stack registry of its repository (``stacks.yaml``: its tier and account).

    Placeholder values (see :mod:`components.core.placeholders`) are a warning in a preview and an error in a real
    deployment.
    """
    raw, secret_keys = _runtime_config()
    stack = pulumi.get_stack()
    # The language host passes the project's directory (where its Pulumi.yaml is).
    project_root = Path(pulumi.runtime.get_root_directory() or os.getcwd()).resolve()
    settings = parse_registered(raw, stack, pulumi.get_project(), secret_keys, registry.find(project_root))
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
        return self.config.platform_stack or registry.platform_stack_reference(self.platform.environment)

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
    secret, values = _values(SERVICES_NAMESPACE, raw, secret_keys, ServicesStackConfig)
    problems = _misplaced(ServicesStackConfig, SERVICES_NAMESPACE, raw, secret, values)
    stated = values.get("platformStack")
    platform_name = platform.environment  # the stack whose file the references are checked against
    problem = registry.platform_stack_problem(
        stack, platform_name, stated if isinstance(stated, str) else None
    )
    if problem is None and stated is not None and not isinstance(stated, str):
        problem = f"must be the platform stack's name, {registry.platform_stack_reference(platform_name)!r}; got {shown(stated)}"
    if problem:
        problems.append(f"{SERVICES_NAMESPACE}:platformStack: {problem}")
        values = {k: v for k, v in values.items() if k != "platformStack"}
    result = _validate_partial(ServicesStackConfig, SERVICES_NAMESPACE, values, secret)
    config, invalid = result.config, result.invalid
    problems += result.problems
    problems += _plaintext_secrets(ServicesStackConfig, SERVICES_NAMESPACE, config, secret, invalid)
    found = guardrails.check_services(config, platform.config, stack, invalid)
    # Image registries are checked on the raw values: an image the schema refuses (`latest`) is still named.
    found += guardrails.image_registry_problems(values.get("apps"), platform.config)
    problems += [f"{SERVICES_NAMESPACE}:{key}: {message}" for key, message in result.unhidden(found)]
    if problems:
        raise ConfigError(stack, problems)
    return ServicesSettings(project=project, environment=stack, config=config, platform=platform)


def platform_settings(stack: str, root: Path = stacks.ROOT) -> Settings:
    """The validated settings of the platform stack file ``stack``, bound by the stack registry (a
    ConfigError if the stack is unbound, its file missing or invalid, or it disagrees with the registry).

    The services project reads them to check its references (secrets, stores, the cluster) before any
    resource exists; the platform's run-time values reach it through a ``StackReference``.
    """
    bound = registry.load(root)
    try:
        stack_file = stacks.read(stack, stacks.Project.PLATFORM, root)
    except FileNotFoundError:
        directory = stacks.project_dir(stacks.Project.PLATFORM, root)
        platform = ", ".join(stacks.stack_files(stacks.Project.PLATFORM, root)) or "none"
        raise ConfigError(
            stack,
            [
                f"the services stack {stack!r} runs on the platform stack of the same name, but the platform"
                f" project has no stack file Pulumi.{stack}.yaml (in {directory}; its stacks: {platform})"
            ],
        ) from None
    return parse_registered(stack_file.config, stack, stack_file.project, stack_file.secret_keys, bound)


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


def promotion_source(platform: Settings, root: Path = stacks.ROOT) -> PromotionSource | None:
    """The environment ``platform`` promotes images from by digest: the stack before it in the stack
    registry's promotion order (``stacks.yaml``), with the account and region of its own platform stack
    file. ``None`` for the first stack, a stack outside the registry, or when either has no registry.

    Raises:
        ConfigError: that stack's platform stack file is missing or invalid.
    """
    if platform.config.registry is None:
        return None
    names = registry.load(root).names
    if platform.environment not in names or names.index(platform.environment) == 0:
        return None
    below = platform_settings(names[names.index(platform.environment) - 1], root)
    if below.config.registry is None:
        return None
    return PromotionSource(below.environment, below.account_id, below.region)


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


def _decode(value: Any, scalar: bool = False) -> Any:
    """Pulumi hands structured config values to the program as JSON text; plain ones as strings (a
    top-level boolean or number as its JSON text, decoded where the setting is ``scalar``: see
    :func:`_values`)."""
    if isinstance(value, str) and (value[:1] in ("{", "[") or scalar):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            return value
        if scalar and not isinstance(decoded, bool | int | float):
            return value
        return decoded
    return value


def _describe(err: Mapping[str, Any], secret: set[str], model: type[BaseModel], namespace: str) -> str:
    """One schema error as the file wrote it: the key path in the file, the whole value, what is allowed."""
    return schema_problem(err, model, namespace, shown_as_secret=bool(err["loc"]) and err["loc"][0] in secret)


def schema_problem(
    err: Mapping[str, Any], model: type[BaseModel], namespace: str, shown_as_secret: bool = False
) -> str:
    """A pydantic error of ``model`` as ``<namespace>:<key path as in the file>: <message>; got <value>``.

    The path leaves out what pydantic adds that the file does not have (a tagged union's tag:
    ``strategy.maxSurge``, not ``strategy.canary.maxSurge``); a model validator's
    :class:`~components.core.model.KeyedError` names its key and the value there.
    """
    loc = _error_path(model, tuple(err["loc"]), err)
    error = (err.get("ctx") or {}).get("error")
    received_value = error.value if isinstance(error, KeyedError) else err.get("input")
    key = f"{namespace}:{_dotted(loc)}" if namespace else _dotted(loc)
    kind = err["type"]
    received = _SECRET_SHOWN_AS if shown_as_secret else shown(received_value)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, tuple(err["loc"])[:-1])
        return f"{key}: unknown key{suggestion(str(loc[-1]), allowed)} (allowed here: {', '.join(allowed)})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{key}: must be a mapping of settings; got {received}"
    if kind == "missing":
        return f"{key}: required, but not set"
    message = str(err["msg"]).removeprefix("Value error, ")
    if (
        kind == "string_type"
        and isinstance(received_value, int | float)
        and not isinstance(received_value, bool)
    ):
        message += " (quote it: a number such as 1.30 would otherwise be read as 1.3)"
    return f"{key}: {message}; got {received}"


def shown(value: Any) -> str:
    """A value as the stack file wrote it, whole: YAML/JSON spelling, strings quoted (a trailing newline
    shows as ``\\n``). A mapping shows its keys only (its values may hold a secret written in plain text)."""
    if isinstance(value, dict) and value:
        return f"a mapping with keys {', '.join(str(k) for k in value)}"
    try:
        return json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))
    except (TypeError, ValueError):
        return str(value)


def _file_path(root: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """``loc`` of a pydantic error as the key path in the file: the parts pydantic adds for a union (the
    tag of a tagged union, a member's name) are left out; keys and list indexes stay."""
    path: list[int | str] = []
    annotation: Any = root
    for part in loc:
        annotation = _unwrapped(annotation)
        members = _models_in(annotation) if get_origin(annotation) in (Union, UnionType) else []
        if len(members) > 1:
            member = next((m for m in members if _tag_of(m) == str(part) or m.__name__ == part), None)
            if member is not None:
                annotation = member
                continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = next((f for n, f in annotation.model_fields.items() if part in (f.alias, n)), None)
            annotation = field.annotation if field is not None else None
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        elif get_origin(annotation) in (list, tuple):
            args = [a for a in get_args(annotation) if a is not Ellipsis]
            annotation = args[0] if args else None
        else:
            annotation = None
        path.append(part)
    return tuple(path)


def _error_path(
    model: type[BaseModel], loc: tuple[int | str, ...], err: Mapping[str, Any]
) -> tuple[int | str, ...]:
    """The file path of an error at ``loc``, extended by a :class:`KeyedError`'s key."""
    path = _file_path(model, loc)
    error = (err.get("ctx") or {}).get("error")
    return (*path, *error.key.split(".")) if isinstance(error, KeyedError) else path


def _unwrapped(annotation: Any) -> Any:
    """``Annotated[X, ...]`` -> X; ``X | None`` -> X."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrapped(members[0])
    return annotation


def _tag_of(model: type[BaseModel]) -> str | None:
    type_field = model.model_fields.get("type")
    return str(type_field.default) if type_field is not None else None


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
