"""Property: whatever shape a stack file takes, loading it raises the config error and nothing else.

Random structural mutations of each repository stack file of both projects (a value replaced by another
type, a key dropped or renamed, a list emptied, a line removed or indented) go through the whole loader:
the safe reader, the engine's hand-over and the settings' validation with its guardrails (a services
stack file against the repository's platform stack file of the same name).
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from settings import stackfile, stacks
from settings.config import ConfigError, Settings, parse, parse_services
from tests.conftest import STACKS

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["", "\n", "secure", "0.0.0.0/0", "M10", "1.34", "db.t4g.medium", "-1"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


PROJECTS = {project.value: stacks.project_dir(project) for project in stacks.Project}


def _file(project: str, stack: str) -> Path:
    return PROJECTS[project] / f"Pulumi.{stack}.yaml"


DOCUMENTS = {
    (project, stack): YAML(typ="safe").load(_file(project, stack).read_text())
    for project in PROJECTS
    for stack in STACKS
}


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*path, i))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    project = draw(st.sampled_from(sorted(PROJECTS)))
    stack = draw(st.sampled_from(STACKS))
    doc = copy.deepcopy(DOCUMENTS[project, stack])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(doc["config"]) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc["config"]
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "rename", "empty", "wrap"]))
        last = path[-1]
        if action == "replace":
            parent[last] = draw(VALUES)
        elif action == "delete":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(last)
        elif action == "empty":
            parent[last] = type(parent[last])() if isinstance(parent[last], dict | list | str) else None
        elif action == "wrap":
            parent[last] = [parent[last]]
    return project, stack, doc


@cache
def _platform(stack: str) -> Settings:
    """The repository's platform stack (unmutated): the one a services stack file is checked against."""
    host = stackfile.host_config(stackfile.read_document(_file("platform", stack), stack))
    return parse(host.config, stack, secret_keys=host.secret_keys)


def load(project: str, stack: str, document: dict[str, Any]) -> None:
    host = stackfile.host_config(document)
    if project == "platform":
        parse(host.config, stack, secret_keys=host.secret_keys)
    else:
        parse_services(host.config, stack, _platform(stack), secret_keys=host.secret_keys)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_mutated_stack_file_loads_or_raises_the_config_error_only(case):
    project, stack, document = case
    text = _dump(document)
    try:
        parsed = stackfile.parse_document(text, f"Pulumi.{stack}.yaml", stack)
        load(project, stack, parsed)
    except ConfigError as exc:
        problems = exc.problems
        assert problems
        assert all(isinstance(p, str) and p for p in problems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(PROJECTS)), st.sampled_from(STACKS), st.data())
def test_a_text_edit_of_a_stack_file_loads_or_raises_the_config_error_only(project, stack, data):
    lines = _file(project, stack).read_text().splitlines(keepends=True)
    index = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
    edit = data.draw(st.sampled_from(["drop", "indent", "dedent", "duplicate", "garble"]))
    if edit == "drop":
        del lines[index]
    elif edit == "indent":
        lines[index] = " " + lines[index]
    elif edit == "dedent":
        lines[index] = lines[index].lstrip(" ")
    elif edit == "duplicate":
        lines.insert(index, lines[index])
    else:
        position = data.draw(st.integers(min_value=0, max_value=len(lines[index])))
        junk = data.draw(
            st.sampled_from([":", "- ", "{", "[", "'", '"', "&a ", "*a", "!!binary ", "? ", "\t", "#"])
        )
        lines[index] = lines[index][:position] + junk + lines[index][position:]
    try:
        parsed = stackfile.parse_document("".join(lines), f"Pulumi.{stack}.yaml", stack)
        load(project, stack, parsed)
    except ConfigError as exc:
        problems = exc.problems
        assert problems


def _dump(document: dict[str, Any]) -> str:
    import io

    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(document, out)
    return out.getvalue()


@pytest.mark.parametrize("project", sorted(PROJECTS))
@pytest.mark.parametrize("stack", STACKS)
def test_the_unmutated_stack_files_load(project, stack):
    load(project, stack, stackfile.read_document(_file(project, stack), stack))
