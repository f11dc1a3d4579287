"""Every path a workflow hands to an action or a step resolves, the way that action resolves it, to
something that exists in this repository, for every job as it runs (tests/pipeline/runs.py).

How each is resolved, read in the actions' own source:
- pulumi/actions v7.0.0 (8e5e406f4007fca908480587cb9893c07090f58d), src/main.ts: ``work-dir`` is
  ``path.resolve(GITHUB_WORKSPACE, work-dir)`` and becomes the Automation API workspace's ``workDir``;
  src/config.ts passes ``policyPacks`` and ``policyPackConfigs`` on as the ``--policy-pack`` and
  ``--policy-pack-config`` arguments (pulumi/pulumi sdk/nodejs/automation/stack.ts, ``up``/``preview``),
  and ``runPulumiCmd`` runs the CLI with ``cwd = workDir`` (sdk/nodejs/automation/cmd.ts, ``execa`` with
  ``cwd``): so a relative policy pack is relative to ``work-dir``. ``pulumi-version-file`` is read with
  ``fs.existsSync`` from the step's own directory, the workspace.
- GitHub's runner: ``working-directory`` of a ``run`` step is relative to the workspace; a local action
  or reusable workflow ``./path`` is relative to the repository root.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from settings.stacks import Project, project_dir
from tests.pipeline.runs import ROOT, UNKNOWN, WORKSPACE, JobRun, runs
from tools import drill

PULUMI_ACTION = "pulumi/actions@"
_REPOSITORY_ENTRIES = {p.name for p in ROOT.iterdir()} - {"venv", "venv-scan"}
_CWD = re.compile(r"\bpulumi\b[^\n]*?--cwd[ =]\"?([^\s\"]+)\"?")
WRITERS = {"python -m tools drill": project_dir(Project.PLATFORM, ROOT) / f"Pulumi.{drill.STACK}.yaml"}
"""Commands that write a stack file a later step of the job deploys (tools/drill.py, ``write``)."""
_PATH = re.compile(r"(?<![\w$/.-])((?:\.\./)*[\w.-]+(?:/[\w.${}-]+)+)")


def _resolve(base: str | Path, path: str) -> Path:
    return (Path(base) / path).resolve()


def _inside(path: Path) -> bool:
    return path == ROOT or ROOT in path.parents


def _list(value: object) -> list[str]:
    """A multi-line or semicolon-separated action input (pulumi/actions src/libs/utils.ts)."""
    if value in (None, ""):
        return []
    return [item.strip() for line in str(value).splitlines() for item in line.split(";") if item.strip()]


def _pulumi_problems(run: JobRun, step: dict, written: frozenset[Path] = frozenset()) -> list[str]:
    given = step.get("with") or {}
    problems = []
    version_file = given.get("pulumi-version-file")
    if version_file and not _resolve(WORKSPACE, run.value(version_file)).is_file():
        problems.append(f"pulumi-version-file {version_file!r} does not exist")
    if not given.get("command"):
        return problems  # install-only mode (src/main.ts, makeInstallationConfig): no work-dir is read
    work_dir = run.value(given.get("work-dir", "./"))
    assert work_dir is not UNKNOWN, f"{run}: work-dir {given.get('work-dir')!r} cannot be evaluated"
    project = _resolve(WORKSPACE, work_dir)
    if not (project / "Pulumi.yaml").is_file():
        problems.append(f"work-dir {work_dir!r} -> {project} has no Pulumi.yaml")
    stack = run.value(given.get("stack-name"))
    stack_file = project / f"Pulumi.{stack}.yaml"
    if stack is not UNKNOWN and not (stack_file.is_file() or stack_file in written):
        problems.append(f"stack-name {stack!r}: no Pulumi.{stack}.yaml in {project}")
    for pack in _list(run.value(given.get("policyPacks"))):
        resolved = _resolve(project, pack)
        if not (resolved / "PulumiPolicy.yaml").is_file():
            problems.append(f"policyPacks {pack!r} -> {resolved} (relative to work-dir) is not a policy pack")
    for config in _list(run.value(given.get("policyPackConfigs"))):
        if not _resolve(project, config).is_file():
            problems.append(f"policyPackConfigs {config!r} -> {_resolve(project, config)} does not exist")
    return problems


def _run_problems(run: JobRun, step: dict) -> list[str]:
    """Repository paths named in a ``run`` script (a script, a stack file) exist, from its directory."""
    default = ((run.job.get("defaults") or {}).get("run") or {}).get("working-directory", ".")
    directory = run.value(step.get("working-directory", default))
    assert directory is not UNKNOWN
    base = _resolve(WORKSPACE, directory)
    problems = []
    if not base.is_dir():
        problems.append(f"working-directory {directory!r} -> {base} is not a directory")
        return problems
    env = {**(run.job.get("env") or {}), **(step.get("env") or {})}

    def expand(text: str) -> str:
        for name, value in env.items():
            evaluated = run.value(value)
            if isinstance(evaluated, str):
                text = text.replace(f"${{{name}}}", evaluated).replace(f"${name}", evaluated)
        return text

    # `pulumi ... --cwd DIR` runs in DIR: a project directory (its Pulumi.yaml), from the step's directory.
    for found in _CWD.findall(str(step["run"])):
        directory = expand(found)
        if "$" not in directory and not (_resolve(base, directory) / "Pulumi.yaml").is_file():
            problems.append(f"--cwd {found} -> {_resolve(base, directory)} has no Pulumi.yaml")
    for found in _PATH.findall(str(step["run"])):
        path = expand(found)
        if "$" in path:
            continue
        resolved = _resolve(base, path)
        first = resolved.relative_to(ROOT).parts[0] if _inside(resolved) and resolved != ROOT else None
        if first not in _REPOSITORY_ENTRIES:
            continue  # a file the job makes itself (comment/diff.md, preview.json)
        if not resolved.exists():
            problems.append(f"run names {found!r} -> {resolved}, which does not exist")
    return problems


def _problems(run: JobRun) -> list[str]:
    problems = []
    written: set[Path] = set()
    for step in run.steps():
        written |= {path for command, path in WRITERS.items() if command in str(step.get("run", ""))}
        uses = str(step.get("uses", ""))
        if uses.startswith("./") and not _resolve(ROOT, uses.split("@")[0]).exists():
            problems.append(f"uses {uses!r} does not exist")
        if uses.startswith(PULUMI_ACTION):
            problems += _pulumi_problems(run, step, frozenset(written))
        if "run" in step:
            problems += _run_problems(run, step)
    return [
        f"{run.workflow}:{run.job_id} ({run.caller or run.event}, {_describe(run)}): {p}" for p in problems
    ]


def _describe(run: JobRun) -> str:
    keys = ("inputs.project", "inputs.stack", "matrix.project", "matrix.stack")
    return ", ".join(f"{k}={run.context[k]}" for k in keys if k in run.context)


def test_every_job_is_expanded_including_the_reusable_workflows():
    names = {(r.workflow, r.job_id) for r in runs()}
    assert ("deploy-stack.yml", "deploy") in names
    assert ("preview.yml", "pulumi-preview") in names
    projects = {r.context.get("inputs.project") for r in runs() if r.workflow == "deploy-stack.yml"}
    assert projects == {"platform", "services"}


def test_every_path_a_workflow_passes_to_an_action_or_a_step_resolves_as_the_action_resolves_it():
    problems = sorted({p for run in runs() for p in _problems(run)})
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("work_dir", "pack", "exists"),
    [("services", "policy", False), ("services", "../policy", True), (".", "policy", True)],
)
def test_a_policy_pack_is_found_relative_to_the_work_dir(work_dir, pack, exists):
    # The rule the check applies, on the case it was written for: pulumi runs in work-dir.
    assert ((_resolve(_resolve(WORKSPACE, work_dir), pack)) / "PulumiPolicy.yaml").is_file() is exists


def test_a_stack_file_counts_only_once_an_earlier_step_of_the_job_writes_it():
    (run,) = [
        r for r in runs() if r.workflow == "dr-drill.yml" and r.job_id == "drill" and r.event == "schedule"
    ]
    (up, *_) = [s for s in run.steps() if str(s.get("uses", "")).startswith(PULUMI_ACTION)]
    assert _pulumi_problems(run, up, frozenset(WRITERS.values())) == []
    assert any("no Pulumi.drill.yaml" in p for p in _pulumi_problems(run, up))
