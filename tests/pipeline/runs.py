"""Every job the workflows can run, expanded as GitHub expands them: each trigger and the ref it runs at,
each ``workflow_dispatch`` choice, each matrix value, each reusable workflow's jobs with the inputs its
caller passes, and job-level ``if:`` evaluated (a job that cannot run under a combination is dropped).

A job of a reusable workflow keeps the file that defines it (its OIDC ``job_workflow_ref`` names that
file, GitHub docs "Using OpenID Connect with reusable workflows") and the caller's event and ref.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from components.core.tier import Tier
from settings import stacks
from tests.pipeline.expressions import UNKNOWN, condition, substitute

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
WORKSPACE = str(ROOT)
"""``github.workspace``: the checkout is the repository root."""
MAIN = "refs/heads/main"
TOPIC = "refs/heads/topic"
PULL_REQUEST = "refs/pull/7/merge"
_REF_OF_EVENT = {
    "push": (MAIN,),  # every push trigger here is `branches: [main]` (asserted in runs())
    "pull_request": (PULL_REQUEST,),
    "workflow_dispatch": (MAIN, TOPIC),  # anyone with write access may dispatch from any branch
    "schedule": (MAIN,),  # the default branch
    "workflow_run": (MAIN,),  # the default branch
    "repository_dispatch": (MAIN,),  # the default branch
}
_FROM_JSON = re.compile(r"^\$\{\{\s*fromJSON\(needs\.[\w-]+\.outputs\.([\w-]+)\)\s*\}\}$")


@dataclass(frozen=True)
class JobRun:
    """One job as it runs: the file that defines it, its id, its definition and the expression context."""

    workflow: str
    job_id: str
    job: dict[str, Any] = field(compare=False, repr=False)
    context: Mapping[str, Any] = field(compare=False, repr=False)
    event: str
    ref: str
    caller: str | None = None

    @property
    def job_workflow_ref_path(self) -> str:
        return f".github/workflows/{self.workflow}"

    def value(self, text: Any) -> Any:
        return substitute(text, self.context)

    @property
    def environment(self) -> Any:
        env = self.job.get("environment")
        if env is None:
            return None
        return self.value(env["name"] if isinstance(env, dict) else env)

    def steps(self) -> list[dict[str, Any]]:
        return list(self.job.get("steps", []))


@cache
def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = YAML(typ="safe").load((WORKFLOWS / name).read_text())
    return document


def triggers(document: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as True.
    on = document.get("on", document.get(True))
    if isinstance(on, str):
        return {on: {}}
    if isinstance(on, list):
        return {name: {} for name in on}
    return {k: (v or {}) for k, v in on.items()}


def registry() -> dict[str, list[str]]:
    """What ``stacks --json`` prints for the workflows' matrices (the stack registry)."""
    platform = list(stacks.stacks())
    return {
        "stacks": platform,
        "automatic": [s for s in platform if stacks.tier_of(s) is not Tier.PROD],
    }


def _choices(inputs: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    names = list(inputs)
    domains = []
    for name in names:
        spec = inputs[name] or {}
        if spec.get("type") == "choice":
            domains.append(list(spec["options"]))
        elif spec.get("type") == "boolean":
            domains.append([bool(spec.get("default", False))])
        else:
            domains.append([spec.get("default", "web") or "web"])
    for values in itertools.product(*domains):
        yield dict(zip(names, values, strict=True))


def _matrices(job: dict[str, Any], context: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    matrix = (job.get("strategy") or {}).get("matrix")
    if not matrix:
        yield {}
        return
    names, domains = [], []
    for key, values in matrix.items():
        if key in ("include", "exclude"):
            raise AssertionError(f"matrix {key} is not modelled here; extend tests/pipeline/runs.py")
        if isinstance(values, str):
            found = _FROM_JSON.match(values)
            assert found, f"matrix {key}: {values!r} is not a registry output"
            values = registry()[found.group(1)]
        names.append(key)
        domains.append(list(values))
    for combination in itertools.product(*domains):
        yield dict(zip(names, combination, strict=True))


def _context(
    event: str, ref: str, inputs: Mapping[str, Any], matrix: Mapping[str, Any], variables: Mapping[str, Any]
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "github.event_name": event,
        "github.ref": ref,
        "github.workspace": WORKSPACE,
        "runner.temp": "/tmp",
        **{f"inputs.{k}": v for k, v in inputs.items()},
        **(
            {f"github.event.inputs.{k}": v for k, v in inputs.items()} if event == "workflow_dispatch" else {}
        ),
        **{f"matrix.{k}": v for k, v in matrix.items()},
        **variables,
    }
    if event == "pull_request":
        context["github.event.pull_request.head.repo.full_name"] = "same"
        context["github.repository"] = "same"
    return context


def _variables() -> dict[str, Any]:
    """``vars.X`` evaluates to the marker ``vars.X``, so a checker sees which variable a value comes from."""
    names = set()
    for path in WORKFLOWS.glob("*.yml"):
        names.update(re.findall(r"\bvars\.([A-Za-z_][A-Za-z0-9_]*)", path.read_text()))
    return {f"vars.{n}": f"vars.{n}" for n in names}


def _unknown_stack(inputs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A ``stack`` input known only at run time (a release's payload) is each stack of the registry."""
    if inputs.get("stack") is UNKNOWN:
        for stack in registry()["stacks"]:
            yield {**inputs, "stack": stack}
    else:
        yield inputs


def _jobs_of(
    name: str, event: str, ref: str, inputs: Mapping[str, Any], caller: str | None
) -> Iterator[JobRun]:
    document = load(name)
    variables = _variables()
    skipped: set[str] = set()
    for job_id, job in document["jobs"].items():
        needs = job.get("needs") or []
        needs = [needs] if isinstance(needs, str) else needs
        base = _context(event, ref, inputs, {}, variables)
        # A job whose needed job was skipped is skipped too (unless its `if:` says always()).
        if any(n in skipped for n in needs) and "always()" not in str(job.get("if", "")):
            skipped.add(job_id)
            continue
        if all(
            condition(job.get("if"), _context(event, ref, inputs, m, variables)) is False
            for m in _matrices(job, base)
        ):
            skipped.add(job_id)
            continue
        for matrix in _matrices(job, base):
            context = _context(event, ref, inputs, matrix, variables)
            if condition(job.get("if"), context) is False:
                continue
            uses = job.get("uses")
            if uses:
                assert uses.startswith("./.github/workflows/"), f"{name}:{job_id}: {uses}"
                callee = uses.removeprefix("./.github/workflows/")
                declared = triggers(load(callee))["workflow_call"].get("inputs", {})
                given = {k: substitute(v, context) for k, v in (job.get("with") or {}).items()}
                callee_inputs = {k: given.get(k, (spec or {}).get("default")) for k, spec in declared.items()}
                for expanded in _unknown_stack(callee_inputs):
                    yield from _jobs_of(callee, event, ref, expanded, f"{name}:{job_id}")
                continue
            yield JobRun(name, job_id, job, context, event, ref, caller)


@cache
def runs() -> tuple[JobRun, ...]:
    """Every job of every workflow that a trigger starts (reusable workflows through their callers)."""
    found: list[JobRun] = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for event, spec in triggers(load(path.name)).items():
            if event == "workflow_call":
                continue
            if event == "push":
                assert spec.get("branches") == ["main"], f"{path.name}: push beyond main is not modelled"
            refs = _REF_OF_EVENT[event]
            choices = list(_choices(spec.get("inputs") or {})) if event == "workflow_dispatch" else [{}]
            for ref in refs:
                for inputs in choices:
                    found.extend(_jobs_of(path.name, event, ref, inputs, None))
    return tuple(_unique(found))


def found_key(run: JobRun) -> tuple[Any, ...]:
    return (run.workflow, run.job_id, run.event, run.ref, run.caller)


def _unique(found: list[JobRun]) -> Iterator[JobRun]:
    seen = set()
    for run in found:
        key = (found_key(run), tuple(sorted((k, repr(v)) for k, v in run.context.items())))
        if key not in seen:
            seen.add(key)
            yield run
