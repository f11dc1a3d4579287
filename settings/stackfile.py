"""Read a ``Pulumi.<stack>.yaml`` safely, and hand its config over exactly as the Pulumi engine does.

Any project (the platform at the repository root, the services in ``services/``) reads its stack files
through this module, so a broken file always ends in :class:`~settings.errors.ConfigError` (exit 2, no
traceback) that names the file, the line and column, and the key:

* bytes that are not UTF-8, YAML syntax and indentation errors;
* a key written twice in one mapping (a service defined twice would otherwise silently replace the
  first), with both lines;
* a top level or a ``config`` that is not a mapping, config keys that are not ``<namespace>:<name>``;
* numbers JSON cannot carry (``.nan``, ``.inf``), and values no config holds (``!!binary``, ``!!set``,
  ``!!pairs``, a list or mapping as a key).

:func:`host_config` is the engine's hand-over, checked against Pulumi's source
(``sdk/go/common/resource/config/object.go``: ``unmarshalObject``, ``MarshalString``;
``plaintext.go``: ``marshalText``; ``map.go``: ``Decrypt``): a top-level string is passed as written, a
top-level boolean or number as its JSON text (``true``, ``7``, ``1.34``), and a mapping or list as JSON
that keeps every nested value's type (``{"kubernetesVersion": 1.34}`` stays a number). A ``secure:``
value (which only the stack's key can decrypt) is passed as a placeholder, in place, and its key is
marked secret, as the engine marks a decrypted key.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import functools
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from settings.errors import ConfigError

SECRET_PLACEHOLDER = "offline-preview-secret"
"""What a ``secure:`` value becomes offline, where the stack's KMS key is out of reach."""


@dataclass(frozen=True)
class HostConfig:
    """A stack's config as the language host gives it to the program.

    Attributes:
        config: ``namespace:key`` -> the string the program receives (``PULUMI_CONFIG``).
        secret_keys: the keys holding a ``secure:`` value anywhere (``PULUMI_CONFIG_SECRET_KEYS``).
    """

    config: dict[str, str]
    secret_keys: list[str]


def _safe_yaml() -> YAML:
    # pure: ruamel.yaml.clib's parser is libyaml's, YAML 1.1, which rejects a flow sequence of ARNs
    # ([arn:aws:iam::…]) that YAML 1.2 and the stack files allow: tried, it failed on Pulumi.dev.yaml.
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml


def read_text(path: Path, stack: str) -> str:
    """The file's text, or a :class:`ConfigError` for a file that cannot be read (a directory in its place,
    no permission) or bytes that are not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(stack, [f"{path.name}: cannot read {path}: {exc.strerror}"]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            stack,
            [
                f"{path.name}: line {line}, column {column}: byte 0x{data[exc.start]:02x} is not UTF-8;"
                " save the file as UTF-8"
            ],
        ) from None


def read_document(path: Path, stack: str) -> dict[str, Any]:
    """The parsed stack file (plain dicts, lists and scalars), its shape checked.

    Raises:
        ConfigError: the file is not UTF-8, not YAML, repeats a key, or is not shaped like a stack file.
    """
    text = read_text(path, stack)
    return parse_document(text, path.name, stack)


def parse_document(text: str, name: str, stack: str) -> dict[str, Any]:
    """:func:`read_document` for text already read; ``name`` is the file name used in messages.

    A process reads the same stack files several times (the loader, the placeholders check, the services'
    cross-checks, the tests): under cProfile the YAML parse was about a tenth of a prod preview and the
    largest self-time of the component tests, so a text is parsed once and each caller gets its own copy (callers may edit it).
    Errors are not remembered: a broken text is parsed again and raises again.
    """
    return copy.deepcopy(_parse_once(text, name, stack))


@functools.lru_cache(maxsize=128)
def _parse_once(text: str, name: str, stack: str) -> dict[str, Any]:
    yaml = _safe_yaml()
    try:
        root = yaml.compose(text)
    except MarkedYAMLError as exc:
        raise ConfigError(stack, [f"{name}: {_marked(exc)}"]) from None
    except YAMLError as exc:
        raise ConfigError(stack, [f"{name}: not valid YAML: {exc}"]) from None
    problems = [f"{name}: {p}" for p in _duplicates(root, "")]
    if problems:
        raise ConfigError(stack, problems)
    try:  # from the node already composed: composing is nearly all of a parse (0.2 s for 100 services)
        document = yaml.constructor.construct_document(root) if root is not None else None
    except MarkedYAMLError as exc:
        raise ConfigError(stack, [f"{name}: {_marked(exc)}"]) from None
    except (YAMLError, TypeError, ValueError) as exc:  # e.g. a mapping used as a key
        raise ConfigError(stack, [f"{name}: not a valid stack file: {exc}"]) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(
            stack,
            [f"{name}: the top level must be a mapping (secretsprovider:, config:); got a {_kind(document)}"],
        )
    config = document.get("config")
    if config is None:
        return document
    if not isinstance(config, dict):
        raise ConfigError(
            stack, [f"{name}: config must be a mapping of '<namespace>:<key>: value'; got a {_kind(config)}"]
        )
    problems = [f"{name}: {p}" for p in _key_problems(config)]
    problems += [f"{name}: {p}" for p in _value_problems(config)]
    if problems:
        raise ConfigError(stack, problems)
    return document


def host_config(document: dict[str, Any]) -> HostConfig:
    """The config of a parsed stack file as the engine passes it to the program (see the module doc)."""
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in (document.get("config") or {}).items():
        plain, secret = _decrypted(value)
        config[key] = _marshal_text(plain)
        if secret:
            secret_keys.append(key)
    return HostConfig(config=config, secret_keys=secret_keys)


def json_text(value: Any) -> str:
    """A parsed document (or part of one) as the JSON text of the engine's hand-over: every nested value
    keeps its type, a ``secure:`` value is the placeholder, a timestamp its text. Strict validation reads
    this (``model_validate_json``): a boolean stays a boolean, text stays text."""
    plain, _ = _decrypted(value)
    return json.dumps(_go_numbers(plain), ensure_ascii=False)


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("secure"), str)


def _decrypted(value: Any) -> tuple[Any, bool]:
    """``value`` with every ``secure:`` leaf replaced by the placeholder; whether there was one."""
    if _is_secure(value):
        return SECRET_PLACEHOLDER, True
    if isinstance(value, dict):
        pairs = {_key_text(k): _decrypted(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_decrypted(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    if isinstance(value, datetime.date):
        return value.isoformat(), False  # Go's engine passes a timestamp as text
    return value, False


def _key_text(key: Any) -> str:
    """A mapping key as the engine writes it (Go's ``fmt.Sprintf("%v", key)``)."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "<nil>"
    return str(key)


def _marshal_text(value: Any) -> str:
    """Go's ``Plaintext.marshalText``: strings as they are, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(_go_numbers(value), separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _go_numbers(value: Any) -> Any:
    """Floats as Go's JSON writes them: an integral float64 has no ``.0`` (``1.0`` -> ``1``)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: _go_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_numbers(v) for v in value]
    return value


def _marked(exc: MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
    return (
        f"{where}not valid YAML ({what or exc.__class__.__name__}); check the indentation and quoting there"
    )


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return f"{type(value).__name__} {value!r}"


def _scalar_key(node: Node) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _duplicates(node: Node | None, path: str) -> Iterator[str]:
    """Every key written twice in one mapping, with its full path and both lines."""
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = _scalar_key(key_node)
            child = f"{path}.{key}" if path and key is not None else (key or path)
            if key is not None:
                line = key_node.start_mark.line + 1
                if key in seen and key != "<<":
                    yield (
                        f"line {line}: {child or key} is defined twice (lines {seen[key]} and {line});"
                        " keep one"
                    )
                seen.setdefault(key, line)
            yield from _duplicates(value_node, child if key is not None else path)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicates(item, f"{path}[{i}]")


def _key_problems(config: dict[Any, Any]) -> Iterator[str]:
    for key in config:
        if not isinstance(key, str):
            yield f"config key {key!r} must be text of the form '<namespace>:<name>'"
        elif ":" not in key or not all(part.strip() for part in key.split(":", 1)):
            yield f"config key {key!r} must be of the form '<namespace>:<name>' (e.g. platform:region)"


_SCALARS = (str, bool, int, float, datetime.date, type(None))
"""What a stack file's value may be besides a mapping or a list (a timestamp is passed as its text)."""

_TAGS: dict[type, str] = {bytes: "!!binary", set: "!!set", tuple: "!!pairs"}
"""The YAML tags whose values the safe reader builds and JSON (the engine's hand-over) cannot carry."""


def _value_problems(value: Any, path: str = "") -> Iterator[str]:
    """Numbers JSON cannot carry, and values or keys that are not text, numbers, true/false, lists or
    mappings (``!!binary``, ``!!set``, ``!!pairs``; a list or mapping written as a key)."""
    if isinstance(value, float) and not math.isfinite(value):
        yield f"{path}: {value} is not a number Pulumi can pass to the program; write a finite number"
    elif isinstance(value, dict):
        for k, v in value.items():
            child = f"{path}.{_key_text(k)}" if path else _key_text(k)
            if not isinstance(k, _SCALARS):  # a flow list as a key is a tuple here
                what = "list" if isinstance(k, tuple) else _tag(k)
                yield f"{path or 'config'}: the key {k!r} is a {what}; a key must be text"
            yield from _value_problems(v, child)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _value_problems(v, f"{path}[{i}]")
    elif not isinstance(value, _SCALARS):
        yield (
            f"{path}: {_tag(value)} value {_shown(value)} is not a value Pulumi passes to a program;"
            " write text, a number, true/false, a list or a mapping"
        )


def _shown(value: Any) -> str:
    return repr(sorted(value, key=repr) if isinstance(value, set) else value)  # a set's order varies


def _tag(value: Any) -> str:
    tag = _TAGS.get(type(value))
    return f"YAML {tag}" if tag else f"{type(value).__name__}"


PROVIDER_NAMESPACES: frozenset[str] = frozenset(
    {"aws", "kubernetes", "mongodbatlas", "random", "tls", "command"}
)
"""Config namespaces of the providers the programs use (``aws:region``...), and Pulumi's own."""
PULUMI_NAMESPACE = "pulumi"


def namespace_problems(keys: Iterable[str], project: str, others: Iterable[str] = ()) -> list[str]:
    """A problem for every config key whose namespace is neither ``project``'s, a provider's nor Pulumi's.

    A mistyped namespace (``platfrom:postgres``) would otherwise drop a whole section silently: the
    program never reads it, and the defaults (or nothing) apply in its place. ``others`` are further
    namespaces the project accepts (e.g. another project of the same repository).
    """
    known = {project, PULUMI_NAMESPACE, *PROVIDER_NAMESPACES, *others}
    problems = []
    for key in keys:
        namespace, _, name = key.partition(":")
        if namespace in known:
            continue
        close = difflib.get_close_matches(namespace, sorted(known), n=1, cutoff=0.6)
        hint = (
            f"did you mean {close[0]}:{name}?" if close else f"this program reads {project}:{name or '...'}"
        )
        problems.append(
            f"{key}: unknown config namespace {namespace!r} ({hint}; known namespaces: {', '.join(sorted(known))})"
        )
    return problems


# Stack files and names: the bottom of the settings (the registry, settings.stacks, reads through these).

_STACK_CHARACTER = re.compile(r"[^A-Za-z0-9_.-]")


def stack_name_problem(name: str) -> str | None:
    """Why Pulumi would refuse ``name`` as a stack name, or None.

    pulumi/pulumi ``sdk/go/common/tokens/stack_name.go`` (``ParseStackName``, at 1b5949891b3c): not
    empty, at most 100 characters, each a letter, a digit, ``-``, ``_`` or ``.``.
    """
    if not name:
        return "a stack name may not be empty"
    if len(name) > 100:
        return f"a stack name cannot exceed 100 characters ({len(name)} given)"
    bad = _STACK_CHARACTER.search(name)
    if bad:
        return (
            f"a stack name may only contain letters, digits, '-', '_' or '.': {name!r} has"
            f" {bad.group()!r} at position {bad.start()}"
        )
    return None


def stack_of_file(path: Path) -> str:
    """The stack ``Pulumi.<stack>.yaml`` configures (a stack name may contain periods: ``feature.x``)."""
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml")


@dataclass(frozen=True)
class StackFile:
    """A stack file's config as the language host would hand it to the program."""

    project: str
    stack: str
    config: dict[str, str]
    secret_keys: list[str]


def project_document(directory: Path) -> dict[str, Any]:
    path = directory / "Pulumi.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no Pulumi.yaml in {directory}")
    return parse_document(read_text(path, "project"), path.name, "project")


def project_name(directory: Path) -> str:
    """The ``name`` of the ``Pulumi.yaml`` in ``directory`` (a project's directory)."""
    return str(project_document(directory).get("name"))


def read_stack_file(stack: str, directory: Path) -> StackFile:
    """Read ``directory``'s ``Pulumi.<stack>.yaml`` into the string map Pulumi passes to a program.

    The hand-over is the engine's (:func:`host_config`): structured values become JSON
    that keeps their types; ``secure:`` values (which only the stack's KMS key can decrypt) become a
    placeholder and their keys are marked secret, so they print as ``[secret]``.

    Raises:
        FileNotFoundError: there is no such stack file (or ``stack`` is not a name Pulumi accepts).
        settings.errors.ConfigError: the file cannot be read as a stack file.
    """
    problem = stack_name_problem(stack)
    if problem:
        raise FileNotFoundError(problem)
    path = directory / f"Pulumi.{stack}.yaml"
    if not path.exists():  # something else in its place is read, and refused naming what it is
        stacks = sorted(stack_of_file(p) for p in directory.glob("Pulumi.*.yaml"))
        where = f"stacks here: {', '.join(stacks)}" if stacks else f"{directory} has no stack files"
        raise FileNotFoundError(f"no stack file {path.name}; {where}")
    host = host_config(read_document(path, stack))
    return StackFile(
        project=project_name(directory), stack=stack, config=host.config, secret_keys=host.secret_keys
    )
