"""What README.md and docs/RUNBOOK.md name exists in the code: every repository file, every command of
their shell blocks (this repository's CLI parsed by its own parser, make targets, scripts and their
flags, workflows and their dispatch inputs, GitHub secrets a workflow reads, stack outputs), and every
physical name of an environment's resource they tell a person to look for."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from functools import cache
from pathlib import Path

import pytest

from settings.stacks import Project, project_dir, stacks
from tests.bootstrap.test_account_names import NAMED_BY
from tests.bootstrap.test_bootstrap import bootstrap_run
from tests.conftest import stack_run
from tests.helpers import of_type
from tests.pipeline.runs import ROOT, WORKFLOWS, load, triggers
from tools import cli

DOCS = (ROOT / "README.md", ROOT / "docs" / "RUNBOOK.md")
CLI_MODULE = cli.__name__.split(".")[0]
"""The package ``python -m`` runs for this repository's command line."""
_TICKED = re.compile(r"`([^`\s]+)`")
_ENV = "|".join(stacks())
_PHYSICAL = re.compile(rf"^(?:platform|github-actions)-(?:{_ENV})-[a-z0-9-]+$")


def _doc_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _shell_blocks(text: str) -> list[str]:
    """The bodies of the fenced blocks marked bash or sh, or not marked (the README's command lists)."""
    blocks, body, language = [], [], None
    for line in text.splitlines():
        fence = re.match(r"^\s*```(\w*)\s*$", line)
        if fence and language is None:
            language, body = fence.group(1), []
        elif fence:
            if language in ("bash", "sh", ""):
                blocks.append("\n".join(body) + "\n")
            language = None
        elif language is not None:
            body.append(line)
    return blocks


@cache
def commands(doc: Path) -> tuple[tuple[str, ...], ...]:
    """Every command line of the document's shell blocks, continuation lines joined, tokenized."""
    found = []
    for block in _shell_blocks(doc.read_text()):
        for line in block.replace("\\\n", " ").splitlines():
            if not line.strip() or line.lstrip().startswith(("#", "error:", "-", "│")):
                continue
            try:
                tokens = shlex.split(line, comments=True)
            except ValueError:
                continue
            if tokens:
                found.append(tuple(tokens))
    return tuple(found)


def _python_module(command: tuple[str, ...]) -> list[str] | None:
    """The arguments of ``<python> -m <this CLI> ...``, or None."""
    for i, token in enumerate(command[:-2]):
        if token.endswith(("python", "python3")) and command[i + 1] == "-m" and command[i + 2] == CLI_MODULE:
            return [t for t in command[i + 3 :] if not (t.startswith("[") and t.endswith("]"))]
    return None


def _cli_problem(command: tuple[str, ...]) -> str | None:
    args = _python_module(command)
    if args is None:
        return None
    python = command[command.index("-m") - 1]
    if python != "venv/bin/python":
        return f"{python} -m {CLI_MODULE}: the program's imports are in the venv; say venv/bin/python"
    parser = cli._parser()
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(args)
    except SystemExit:
        return f"the command line refuses it: {stderr.getvalue().strip().splitlines()[-1]}"
    return None


def _make_problem(command: tuple[str, ...]) -> str | None:
    if command[0] != "make":
        return None
    text = (ROOT / "Makefile").read_text()
    targets = [t for t in command[1:] if not t.startswith("-") and "=" not in t]
    for target in targets:
        if not re.search(
            rf"^(?:\$\(\w+\)/)?{re.escape(target.split('/')[-1])}\s*:", text, flags=re.M
        ) and not (target == "venv/.installed" and "$(STAMP):" in text):
            return f"make has no target {target!r}"
    return None


def _script_problem(command: tuple[str, ...]) -> str | None:
    scripts = [t for t in command if t.endswith(".py") and "/" in t]
    for script in scripts:
        path = ROOT / script
        if not path.is_file():
            return f"{script} does not exist"
        source = path.read_text()
        for flag in (t.split("=")[0] for t in command[command.index(script) + 1 :] if t.startswith("--")):
            if f'"{flag}"' not in source:
                return f"{script} has no option {flag}"
    return None


def _workflow_secrets() -> set[str]:
    return {
        name
        for path in WORKFLOWS.glob("*.yml")
        for name in re.findall(r"\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)", path.read_text())
    }


def _gh_problem(command: tuple[str, ...]) -> str | None:
    if command[0] != "gh":
        return None
    if command[1:3] == ("workflow", "run"):
        name = command[3]
        if not (WORKFLOWS / name).is_file():
            return f"no workflow {name}"
        inputs = triggers(load(name)).get("workflow_dispatch", {}).get("inputs") or {}
        given = dict(command[i + 1].split("=", 1) for i, t in enumerate(command) if t in ("-f", "--field"))
        for key, value in given.items():
            if key not in inputs:
                return f"{name} has no input {key!r}"
            options = inputs[key].get("options")
            if options and value not in options:
                return f"{name} input {key}={value!r} is not one of {options}"
        missing = [
            k
            for k, spec in inputs.items()
            if spec.get("required") and "default" not in spec and k not in given
        ]
        return f"{name} needs {missing}" if missing else None
    if command[1:3] == ("secret", "set") and command[3] not in _workflow_secrets():
        return f"no workflow reads secrets.{command[3]}"
    if command[1:3] == ("variable", "set"):
        return "a variable set by hand: the bootstrap sets the workflows' variables (bootstrap/)"
    return None


def _option(command: tuple[str, ...], *names: str) -> str | None:
    for i, token in enumerate(command[:-1]):
        if token in names:
            return command[i + 1]
    return None


def _pulumi_problem(command: tuple[str, ...]) -> str | None:
    if command[0] != "pulumi":
        return None
    cwd = _option(command, "--cwd", "-C")
    if cwd is not None and not (ROOT / cwd / "Pulumi.yaml").is_file():
        return f"--cwd {cwd} has no Pulumi.yaml"
    if command[1:3] == ("stack", "output"):
        rest = [t for t in command[3:] if not t.startswith("-")]
        stack = _option(command, "--stack", "-s")
        named = [t for t in rest if t not in (stack, cwd)]
        if named and stack and (ROOT / (cwd or ".") / f"Pulumi.{stack}.yaml").is_file():
            outputs = _outputs(cwd or ".", stack)
            if named[0] not in outputs:
                return f"{named[0]} is not an output of {cwd or 'the platform'} {stack} ({sorted(outputs)})"
    return None


def _outputs(cwd: str, stack: str) -> set[str]:
    directory = (ROOT / cwd).resolve()
    if directory.name == "bootstrap":
        return set(bootstrap_run(stack).outputs)
    for project in Project:
        if project_dir(project).resolve() == directory:
            return set(stack_run(stack, False, str(project)).outputs)
    return set()


def _problems(doc: Path) -> list[str]:
    problems = []
    for command in commands(doc):
        for check in (_cli_problem, _make_problem, _script_problem, _gh_problem, _pulumi_problem):
            problem = check(command)
            if problem:
                problems.append(f"{_doc_id(doc)}: `{shlex.join(command)}`: {problem}")
    return problems


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_command_the_docs_give_exists_with_its_flags_and_inputs(doc):
    assert commands(doc)
    problems = _problems(doc)
    assert not problems, "\n".join(problems)


def _paths(doc: Path) -> set[str]:
    top = {p.name for p in ROOT.iterdir()}
    found = set()
    for token in _TICKED.findall(doc.read_text()) + [t for c in commands(doc) for t in c]:
        token = token.strip("'\",;:()").removeprefix("./")
        if "://" in token or token.startswith(("~", "$", "-")) or "..." in token or "…" in token:
            continue
        first = token.split("/")[0]
        is_file_like = re.search(r"\.(py|ya?ml|md|txt|toml|json)$", token)
        if ("/" in token and first in top and first not in ("venv", ".cache")) or (
            "/" not in token and is_file_like and re.match(r"^(Pulumi|requirements|pyproject)", token)
        ):
            found.add(token)
    return found


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_repository_file_the_docs_name_exists(doc):
    missing = []
    for token in sorted(_paths(doc)):
        pattern = re.sub(r"<[^>]+>", "*", token).rstrip("/")
        # A bare file name (`Pulumi.yaml`) is a project's: at the root or in a project directory.
        found = list(ROOT.glob(pattern)) or ("/" not in pattern and list(ROOT.glob(f"*/{pattern}")))
        if not found:
            missing.append(token)
    assert not missing, f"{_doc_id(doc)} names files that do not exist: {missing}"


def _recorded_names(stack: str) -> set[str]:
    runs = [bootstrap_run(stack).resources]
    runs += [stack_run(stack, False, str(p)).resources for p in Project if stack in stacks(p)]
    names = set()
    for resources in runs:
        for resource in resources:
            key = NAMED_BY.get(resource.type, "name")
            value = resource.inputs.get(key)
            if isinstance(value, str):
                names.add(value)
    return names


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_physical_name_the_docs_send_a_person_to_is_a_resource_of_that_environment(doc):
    wrong = []
    for token in sorted(set(_TICKED.findall(doc.read_text()))):
        if _PHYSICAL.match(token):
            stack = next(
                s for s in stacks() if token.split("-")[1 if token.startswith("platform") else 2] == s
            )
            if token not in _recorded_names(stack):
                wrong.append(token)
    assert not wrong, f"{_doc_id(doc)} names resources no stack creates: {wrong}"


_NOUNS = {
    "connection": "aws:codestarconnections/connection:Connection",
    "role": "aws:iam/role:Role",
    "bucket": "aws:s3/bucket:Bucket",
    "log group": "aws:cloudwatch/logGroup:LogGroup",
    "project": "aws:codebuild/project:Project",
    "trail": "aws:cloudtrail/trail:Trail",
}
_NAMED_THING = re.compile(r"(?:the|its) `([a-z0-9][a-z0-9-]+)` (" + "|".join(_NOUNS) + r")\b")


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_resource_the_docs_call_by_name_and_kind_is_one_of_that_kind(doc):
    # "the `platform-staging-runner-github` connection": a person looks it up by that name in the console.
    wrong = []
    for name, noun in _NAMED_THING.findall(doc.read_text()):
        stack = next((s for s in stacks() if f"-{s}-" in f"-{name}-"), None)
        if stack is None:
            continue
        kind = _NOUNS[noun]
        runs = [bootstrap_run(stack).resources] + [
            stack_run(stack, False, str(p)).resources for p in Project if stack in stacks(p)
        ]
        names = {r.inputs.get(NAMED_BY.get(kind, "name")) for rs in runs for r in rs if r.type == kind}
        if name not in names:
            wrong.append(f"the `{name}` {noun}: the {noun}s of {stack} are {sorted(n for n in names if n)}")
    assert not wrong, "\n".join(wrong)


def test_the_checks_read_this_repositorys_cli():
    assert isinstance(cli._parser(), argparse.ArgumentParser)
    assert _cli_problem(("venv/bin/python", "-m", CLI_MODULE, "preview", "--stack", "prod")) is None
    assert _cli_problem(("venv/bin/python", "-m", CLI_MODULE, "preview", "--stak", "prod"))
    assert _cli_problem(("python", "-m", CLI_MODULE, "stacks"))


RUNBOOK = ROOT / "docs" / "RUNBOOK.md"


def _first(predicate: object) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, command in enumerate(commands(RUNBOOK)):
        stack = _option(command, "--stack", "-s")
        if stack and predicate(command) and stack not in found:  # type: ignore[operator]
            found[stack] = i
    return found


def test_the_runbook_brings_up_every_environment_in_the_registrys_order_bootstrap_first():
    # A merge deploys the registry's stacks in order (deploy-*.yml): dev must be bootstrapped, deployed and
    # its runners connected before staging's first automatic deploy can get past it.
    # The restore drill's account (bootstrap/Pulumi.drill.yaml) is no registry stack: its bootstrap is not here.
    bootstraps = _first(
        lambda c: (
            c[:2] == ("pulumi", "up")
            and _option(c, "--cwd") == "bootstrap"
            and _option(c, "--stack") != "drill"
        )
    )
    first_ups = _first(lambda c: c[:2] == ("pulumi", "up") and "--exclude" in c)
    assert list(bootstraps) == list(first_ups) == list(stacks())
    assert all(bootstraps[s] < first_ups[s] for s in stacks())
    dispatched = [
        c[c.index("-f") + 1].removeprefix("stack=")
        for c in commands(RUNBOOK)
        if c[:3] == ("gh", "workflow", "run") and c[3] == "deploy-platform.yml"
    ]
    assert list(dict.fromkeys(dispatched)) == list(stacks())  # first dispatches, in order


def test_the_runbook_connects_each_environments_runners_before_the_pipeline_uses_them():
    for stack in stacks():
        lines = [shlex.join(c) for c in commands(RUNBOOK)]
        connected = next(
            i
            for i, line in enumerate(lines)
            if "platform:runners.connectionAvailable true" in line and stack in line
        )
        dispatched = lines.index(f"gh workflow run deploy-platform.yml -f stack={stack}")
        assert connected < dispatched, stack


def _environment_at(index: int) -> str | None:
    """The environment the runbook's command ``index`` runs in: the stack the commands before it last named
    (``--stack``, ``pulumi stack init``): a section works in one environment's account at a time."""
    found = None
    for command in commands(RUNBOOK)[:index]:
        if command[:3] == ("pulumi", "stack", "init"):
            found = command[3]
        found = _option(command, "--stack", "-s") or found
    return found


def _created_secrets(stack: str) -> set[str]:
    """The Secrets Manager secrets an environment's stacks create (bootstrap and platform)."""
    runs = [bootstrap_run(stack).resources]
    runs += [stack_run(stack, False, str(p)).resources for p in Project if stack in stacks(p)]
    return {r.inputs.get("name") for rs in runs for r in rs if r.type == "aws:secretsmanager/secret:Secret"}


def _secret_puts() -> list[tuple[int, str, str | None]]:
    """(position, secret id, environment) of every ``aws secretsmanager put-secret-value``."""
    return [
        (i, _option(c, "--secret-id") or "", _environment_at(i))
        for i, c in enumerate(commands(RUNBOOK))
        if c[:3] == ("aws", "secretsmanager", "put-secret-value")
    ]


def test_every_secret_the_runbook_puts_a_value_in_is_one_its_environments_stacks_create():
    puts = _secret_puts()
    assert puts
    wrong = []
    for _, secret, stack in puts:
        if stack not in stacks():
            wrong.append(f"--secret-id {secret}: no environment named before it")
        elif secret not in _created_secrets(stack):
            wrong.append(
                f"--secret-id {secret} in {stack}: its stacks create {sorted(_created_secrets(stack))}"
            )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("stack", stacks())
def test_the_pull_through_credentials_are_put_after_the_bootstrap_and_before_the_first_platform_up(stack):
    # ECR reads a credentialed cache rule's secret when the rule is created (CreatePullThroughCacheRule:
    # SecretNotFoundException / UnableToAccessSecretException): the value comes before any platform `up`.
    rules = of_type(stack_run(stack).resources, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    wanted = {
        r.inputs["credentialArn"]
        .split(":secret:", 1)[1]
        .rsplit("-", 1)[0]  # Secrets Manager's -XXXXXX suffix
        for r in rules
        if r.inputs.get("credentialArn")
    }
    assert wanted, f"{stack}: no credentialed pull-through cache rule"
    lines = commands(RUNBOOK)
    bootstrap = next(
        i
        for i, c in enumerate(lines)
        if c[:2] == ("pulumi", "up") and _option(c, "--cwd") == "bootstrap" and _option(c, "--stack") == stack
    )
    platform_up = next(
        i
        for i, c in enumerate(lines)
        if c[:2] == ("pulumi", "up") and _option(c, "--cwd") == "infra" and _option(c, "--stack") == stack
    )
    put = {secret: i for i, secret, env in _secret_puts() if env == stack and secret in wanted}
    assert set(put) == wanted, f"{stack}: the runbook puts no value in {sorted(wanted - set(put))}"
    for secret, i in put.items():
        assert bootstrap < i < platform_up, (
            f"{stack}: {secret} is put at {i}, not between {bootstrap} and {platform_up}"
        )
