"""Property: every command that reads a stack or a file answers any edit of it, and any argument, with exit 0
or exit 2 naming the problem, never a traceback, and leaves every file it refused to change as it was.

Hypothesis draws an edit of one file of a copy of the repository (a platform or services stack file of
either project, the stack registry, or the preview document ``guard`` reads): a structural mutation (a
value replaced by another type, a key dropped, renamed or emptied), a text edit (a line dropped, indented,
garbled), or bytes no stack file has (not UTF-8, empty, binary, missing, a directory in its place); and the
arguments of one command (stack names registered, unregistered and refused; services, images and
environment names that exist or not). Every command taking ``--stack`` or a file is drawn, read from the
parser itself, except ``diff``: it previews two git revisions in subprocesses (seconds each), and its
refusals are tested in ``tests/tools/review/``.

The programs themselves are not run here: ``runner.run_program`` validates the stack's settings exactly
as the program's first step does (the registry's binding, the schema, the guardrails) and registers
nothing. The whole programs run over every repository stack in the other tests; this test is about input
handling, and stays at a few seconds (the suite's deterministic Hypothesis profile; 40 examples, about 5 s).
``COMMAND_FUZZ_EXAMPLES=2000 HYPOTHESIS_PROFILE=explore`` searches wider.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from settings import config, registry, stackfile, stacks
from settings.stacks import Project
from tests.conftest import STACKS
from tests.settings.test_stackfile_fuzz import VALUES, _paths
from tools import cli
from tools.preview import checkov, runner

_SUBCOMMANDS = next(a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
COMMANDS_TAKING_A_STACK_OR_FILE = sorted(
    name
    for name, sub in _SUBCOMMANDS.items()
    if {"--stack", "--root"} & set(sub._option_string_actions) or name == "guard"
)
NOT_FUZZED = {
    "diff": "previews two git revisions in subprocesses; its refusals: tests/tools/review/",
    "drill": "writes the drills/ template with two source ids, validated first: tests/tools/test_drill.py",
}
FUZZED = [name for name in COMMANDS_TAKING_A_STACK_OR_FILE if name not in NOT_FUZZED]

PREVIEW_JSON = '{"steps": [{"op": "same", "urn": "urn:pulumi:prod::platform::aws:s3/bucket:Bucket::b"}]}\n'


def test_every_command_taking_a_stack_or_a_file_is_fuzzed_or_says_why_not():
    assert set(FUZZED) | set(NOT_FUZZED) == set(COMMANDS_TAKING_A_STACK_OR_FILE)
    assert {"preview", "scan", "timing", "stacks", "env", "release", "rollback", "hosts", "cost"} <= set(
        FUZZED
    )
    assert {"diagram", "guard", "upgrade-check"} <= set(FUZZED)


def _copy_repository(root: Path) -> None:
    for project in Project:
        source, target = stacks.project_dir(project), stacks.project_dir(project, root)
        target.mkdir(parents=True, exist_ok=True)
        for path in source.glob("Pulumi*.yaml"):
            shutil.copy(path, target / path.name)
    shutil.copy(stacks.ROOT / registry.FILE, root / registry.FILE)
    (root / "preview.json").write_text(PREVIEW_JSON)


def _settings_only(
    stack_file: stackfile.StackFile,
    *,
    preview: bool = True,
    root: Path = runner.ROOT,
    stack_references: Any = None,
    repository: Path = runner.ROOT,
) -> runner.PreviewResult:
    """The program's first step (its settings, bound by the registry, every problem raised) and nothing
    after it: no resource is registered."""
    if stack_file.project == Project.PLATFORM:
        binding = registry.find(root).binding(stack_file.stack)
        config.parse(
            stack_file.config, stack_file.stack, stack_file.project, stack_file.secret_keys, binding=binding
        )
    else:
        platform = config.platform_settings(stack_file.stack, root.parent)
        config.parse_services(
            stack_file.config, stack_file.stack, platform, stack_file.project, stack_file.secret_keys
        )
    return runner.PreviewResult(stack=stack_file.stack, resources=[], outputs={}, unanswered_calls=[])


@pytest.fixture(autouse=True)
def _no_program_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "run_program", _settings_only)
    monkeypatch.setattr(checkov, "checkov_available", lambda: False)  # its scan of the resources is not ours


def _target(root: Path, target: str, stack: str) -> Path:
    if target == "registry":
        return root / registry.FILE
    if target == "preview":
        return root / "preview.json"
    return stacks.project_dir(target, root) / f"Pulumi.{stack}.yaml"


def _dump(document: Any) -> str:
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(document, out)
    return out.getvalue()


@st.composite
def structural(draw: st.DrawFn, text: str) -> str | None:
    """``text`` (a YAML document) with 1-2 structural mutations, or None if it does not parse as YAML."""
    try:
        document = YAML(typ="safe", pure=True).load(text)
    except Exception:
        return None
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "rename", "empty"]))
        last = path[-1]
        if action == "replace":
            parent[last] = draw(VALUES)
        elif action == "delete":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(last)
        else:
            parent[last] = type(parent[last])() if isinstance(parent[last], dict | list | str) else None
    return _dump(document)


@st.composite
def edited(draw: st.DrawFn, path: Path) -> bytes | None:
    """New bytes for ``path`` (None: remove it; a directory takes its place when ``b"/"``)."""
    original = path.read_bytes()
    kind = draw(st.sampled_from(["structure", "text", "not-utf8", "empty", "binary", "missing", "directory"]))
    if kind == "structure":
        mutated = draw(structural(original.decode()))
        return mutated.encode() if mutated is not None else original
    if kind == "text":
        lines = original.decode().splitlines(keepends=True) or [""]
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        edit = draw(st.sampled_from(["drop", "indent", "garble"]))
        if edit == "drop":
            del lines[index]
        elif edit == "indent":
            lines[index] = " " + lines[index]
        else:
            junk = draw(st.sampled_from([":", "- ", "{", "'", "&a ", "*a", "!!binary ", "\t", "? "]))
            at = draw(st.integers(min_value=0, max_value=len(lines[index])))
            lines[index] = lines[index][:at] + junk + lines[index][at:]
        return "".join(lines).encode()
    if kind == "not-utf8":
        at = draw(st.integers(min_value=0, max_value=len(original)))
        return original[:at] + b"\xff\xfe" + original[at:]
    if kind == "empty":
        return b""
    if kind == "binary":
        return bytes(range(256))
    return None if kind == "missing" else b"/"


STACK_NAMES = st.one_of(
    st.sampled_from(STACKS), st.sampled_from(["qa", "feature.x", "prod-eu", "../prod", ""])
)
SERVICES = st.sampled_from(["gateway", "web", "mcp", "no-such-service", ""])
IMAGES = st.one_of(
    st.sampled_from(
        [
            "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/product/gateway:dev-2612010900",
            "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/product/gateway:v1.4.3@sha256:" + "2" * 64,
            "registry.example.com/x:latest",
            "x" * 300,
        ]
    ),
    st.text(max_size=30),
)


@st.composite
def arguments(draw: st.DrawFn, command: str, root: Path) -> list[str]:
    stack = draw(STACK_NAMES)
    where = ["--root", str(root)]
    if command == "guard":
        return ["guard", str(root / "preview.json")]
    if command == "stacks":
        return ["stacks", "--json", *where]
    if command in ("preview", "scan", "cost"):
        project = draw(st.sampled_from([p.value for p in Project]))
        extra = ["--no-cache"] if command == "preview" else []
        return [command, "--stack", stack, "--project", project, *where, *extra]
    if command == "diagram":
        return ["diagram", "--stack", stack, *where]
    if command in ("timing", "hosts", "dr"):
        return [command, "--stack", stack, *where]
    if command == "upgrade-check":
        target = draw(st.sampled_from(["1.35", "1.36", "1.34", "2.0", "x"]))
        directory = stacks.project_dir(Project.PLATFORM, root)
        return ["upgrade-check", "--stack", stack, "--to", target, "--stack-dir", str(directory)]
    if command == "env":
        action = draw(st.sampled_from(["add", "remove"]))
        name = draw(st.one_of(st.sampled_from(["alice", "bob", "Bad Name", ""]), st.text(max_size=25)))
        directory = stacks.project_dir(Project.PLATFORM, root)
        return ["env", action, name, "--stack", stack, "--project-dir", str(directory)]
    if command == "release":
        return [
            "release",
            "--stack",
            stack,
            "--service",
            draw(SERVICES),
            "--image",
            draw(IMAGES),
            "--no-diff",
            *where,
        ]
    assert command == "rollback"
    return [
        "rollback",
        "--stack",
        stack,
        "--service",
        draw(SERVICES),
        "--to",
        draw(IMAGES),
        "--no-diff",
        *where,
    ]


def _snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        str(path.relative_to(root)): path.read_bytes() if path.is_file() else None
        for path in sorted(root.rglob("*"))
    }


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def _run(argv: list[str]) -> tuple[int, str]:
    with _captured() as (_, err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse: usage errors exit 2 with a message
            code = exc.code if isinstance(exc.code, int) else 2
    return code, err.getvalue()


EXITS = {"upgrade-check": (4,)}
"""Exit codes a command has besides 0 and 2 (upgrade-check: 4, something blocks the bump)."""
EDITS_CHANGE = {"release", "rollback", "env"}
"""Commands whose success is an edit of a stack file."""


@settings(
    max_examples=int(os.environ.get("COMMAND_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.sampled_from(FUZZED), st.sampled_from(["platform", "services", "registry", "preview"]), st.data())
def test_every_command_answers_any_file_and_argument_with_exit_0_or_2_naming_it(command, target, data):
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "repo"
        _copy_repository(root)
        argv = data.draw(arguments(command, root))
        stack = argv[argv.index("--stack") + 1] if "--stack" in argv else data.draw(st.sampled_from(STACKS))
        path = _target(root, target, stack if stack in STACKS else "prod")
        new = data.draw(edited(path))
        if new is None:
            path.unlink()
        elif new == b"/":
            path.unlink()
            path.mkdir()
        else:
            path.write_bytes(new)
        before = _snapshot(root)

        code, err = _run(argv)
        event(f"{command}: exit {code}")  # --hypothesis-show-statistics: what the draws reached

        assert code in (0, 2, *EXITS.get(command, ())), (argv, code, err)
        assert "Traceback" not in err, err
        if code == 2:
            assert err.strip(), f"exit 2 without a message: {argv}"
            assert err.startswith(("error: ", "usage: ")), err
            for line in err.splitlines():
                if line.startswith("  - "):  # one problem of a configuration error: it names its key or file
                    problem = line[4:]
                    head = problem.split(": ", 1)[0]
                    named = ":" in head or head.endswith(".yaml")
                    assert named or problem.startswith(("the stack", "the services stack")), line
                if "Input should" in line:
                    assert "; got " in line, line
        if code != 0 or command not in EDITS_CHANGE:
            assert _snapshot(root) == before, f"{argv} changed a file ({code}): {err}"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\xff\xfe{}", "is not UTF-8"),
        (b"", "is empty"),
        (bytes(range(256)), "is not UTF-8"),
        (b"[1, 2", "is not JSON"),
    ],
)
def test_guard_answers_a_file_that_is_not_a_preview_naming_it(tmp_path, content, fragment):
    # Issue 29: a file that is not UTF-8 was a traceback.
    path = tmp_path / "preview.json"
    path.write_bytes(content)
    code, err = _run(["guard", str(path)])
    assert code == 2
    assert err.startswith(f"error: {path} ")
    assert fragment in err


def test_guard_answers_a_missing_file_and_a_directory(tmp_path):
    assert _run(["guard", str(tmp_path / "none.json")]) == (
        2,
        f"error: cannot read {tmp_path / 'none.json'}: No such file or directory\n",
    )
    code, err = _run(["guard", str(tmp_path)])
    assert code == 2
    assert err.startswith(f"error: cannot read {tmp_path}: ")


@pytest.mark.parametrize("command", ["release", "rollback", "hosts"])
def test_a_services_stack_file_with_a_yaml_error_is_named_with_its_own_stack(tmp_path, command):
    # Issue 29: a traceback (only ReleaseError was caught), whose message named the stack 'dev'.
    root = tmp_path / "repo"
    _copy_repository(root)
    path = stacks.project_dir(Project.SERVICES, root) / "Pulumi.prod.yaml"
    path.write_text(path.read_text().replace("  services:apps:\n", "  services:apps:\n   bad: [\n", 1))
    before = path.read_bytes()
    argv = [command, "--stack", "prod", "--root", str(root)]
    if command != "hosts":
        argv += ["--service", "gateway", "--no-diff"]
        argv += [
            "--image" if command == "release" else "--to",
            "registry.example.com/x:v1.0.0@sha256:" + "3" * 64,
        ]
    code, err = _run(argv)
    assert code == 2
    assert err.startswith("error: Stack 'prod' configuration has 1 problem:\n  - Pulumi.prod.yaml: line ")
    assert path.read_bytes() == before


def test_the_stacks_command_reads_the_tiers_from_the_registry(tmp_path):
    # Issue 29: a prod stack file saying `platform:tier: dev` moved prod to the automatic deploys.
    root = tmp_path / "repo"
    _copy_repository(root)
    path = stacks.project_dir(Project.PLATFORM, root) / "Pulumi.prod.yaml"
    path.write_text(path.read_text().replace("platform:tier: prod", "platform:tier: dev"))
    with _captured() as (out, _):
        assert cli.main(["stacks", "--json", "--root", str(root)]) == 0
    assert '"approval": ["prod"]' in out.getvalue()


def test_a_preview_of_a_prod_file_saying_dev_exits_2_naming_both(tmp_path):
    root = tmp_path / "repo"
    _copy_repository(root)
    path = stacks.project_dir(Project.PLATFORM, root) / "Pulumi.prod.yaml"
    path.write_text(path.read_text().replace("platform:tier: prod", "platform:tier: dev"))
    code, err = _run(["preview", "--stack", "prod", "--root", str(root), "--no-cache"])
    assert code == 2
    assert "platform:tier: stacks.yaml binds stack 'prod' to tier 'prod'; this stack file says 'dev'" in err


@pytest.mark.parametrize(
    ("command", "target"),
    [("release", Project.SERVICES), ("hosts", Project.SERVICES), ("timing", Project.PLATFORM)],
)
def test_a_directory_in_place_of_a_stack_file_is_named(tmp_path, command, target):
    # Found by this file's property (1,000 random examples): `release` raised IsADirectoryError.
    root = tmp_path / "repo"
    _copy_repository(root)
    path = stacks.project_dir(target, root) / "Pulumi.dev.yaml"
    path.unlink()
    path.mkdir()
    argv = [command, "--stack", "dev", "--root", str(root)]
    if command == "release":
        argv += ["--service", "gateway", "--image", "registry.example.com/x:dev-2612010900", "--no-diff"]
    code, err = _run(argv)
    assert code == 2
    assert f"Pulumi.dev.yaml: cannot read {path}: Is a directory" in err
