"""The review commands of ``python -m tools``: diff, guard, drift, cost, diagram (argument handling and I/O)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from settings.stacks import Project, stack_argument
from tools.options import add_root

EXIT_CONFIG = 2
EXIT_DANGER = 4
EXIT_DRIFT = 1
PROJECT: dict[str, Any] = {
    "choices": [p.value for p in Project],
    "default": Project.PLATFORM.value,
    "help": "which project: platform (default) or services",
}


def add_parsers(commands: Any) -> None:
    """Add the review subcommands to the CLI's subparsers."""
    diff = commands.add_parser(
        "diff", help="what a change does: the offline previews of two revisions compared"
    )
    diff.add_argument(
        "--stack", "-s", type=stack_argument, required=True, help="stack name: dev, staging or prod"
    )
    diff.add_argument("--project", **PROJECT)
    diff.add_argument(
        "--base", required=True, help="the revision the change starts from (e.g. origin/main, HEAD~1)"
    )
    diff.add_argument("--head", default=None, help="the changed revision (default: the working tree)")
    diff.add_argument("--repo", type=Path, default=None, help="the git repository (default: the current one)")
    form = diff.add_mutually_exclusive_group()
    form.add_argument(
        "--json", action="store_true", help="print JSON: summary, danger, components, changes, cost"
    )
    form.add_argument("--markdown", action="store_true", help="print Markdown for a pull-request comment")

    guard = commands.add_parser(
        "guard", help="exit 4 if a real `pulumi preview --json` loses stateful/protected data"
    )
    guard.add_argument("preview", type=Path, help="the output of `pulumi preview --json`")

    drift = commands.add_parser(
        "drift",
        help="exit 1 if a real `pulumi refresh --preview-only --json` (or `preview --json`) shows drift",
    )
    drift.add_argument(
        "reports",
        type=Path,
        nargs="+",
        metavar="REPORT.json",
        help="the output of `pulumi refresh --preview-only --json` or `pulumi preview --expect-no-changes --json`",
    )
    drift_form = drift.add_mutually_exclusive_group()
    drift_form.add_argument("--json", action="store_true", help='print JSON: {"drift", "reports": [...]}')
    drift_form.add_argument("--markdown", action="store_true", help="print Markdown for a job summary")
    drift.add_argument(
        "--slack",
        action="store_true",
        help="also post the report to the Slack incoming webhook in $SLACK_WEBHOOK_URL (best effort)",
    )

    cost = commands.add_parser("cost", help="monthly on-demand cost estimate of a stack")
    cost.add_argument("--stack", "-s", type=stack_argument, required=True)
    cost.add_argument("--project", **PROJECT)
    cost.add_argument(
        "--json", action="store_true", help="print JSON: stack, total_monthly_usd, lines, unpriced"
    )
    add_root(cost)

    diagram = commands.add_parser("diagram", help="a Mermaid flowchart of a stack's architecture")
    diagram.add_argument("--stack", "-s", type=stack_argument, required=True)
    diagram.add_argument(
        "--components",
        action="store_true",
        help="one node per component (the README's picture); default: each component's resources",
    )
    diagram.add_argument(
        "--project",
        choices=PROJECT["choices"],
        default=None,
        help="one project only (default: both, as one picture)",
    )
    add_root(diagram)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_CONFIG


def _preview_document(
    stack: str, project: str, root: Path | None = None
) -> tuple[dict[str, Any], list[Any], dict[str, str]]:
    """Run the project of the repository ``root`` (defaults to this tree) in-process: its JSON document,
    the recorded resources and the platform stack's config (where the budget lives, for both projects)."""
    from settings import stacks
    from tools.preview import render, runner

    root = root or stacks.ROOT
    result = runner.run_project(project, stack, preview=True, root=root)
    document = render.document(result.stack, result.resources, result.outputs)
    return document, result.resources, stacks.read(stack, root=root).config


def budget_of(config: dict[str, str]) -> float | None:
    """``platform:observability.budget.monthlyLimitUsd`` of a stack file, if it sets one."""
    raw = config.get("platform:observability")
    if not raw:
        return None
    try:
        value = json.loads(raw).get("budget", {}).get("monthlyLimitUsd")
    except (json.JSONDecodeError, AttributeError):
        return None
    try:
        return float(value) if value is not None else None  # stack-file numbers arrive as text
    except (TypeError, ValueError):
        return None


def run(args: argparse.Namespace) -> int:
    from settings.config import ConfigError

    try:
        if args.command == "guard":
            return _guard(args)
        if args.command == "diff":
            return _diff(args)
        if args.command == "drift":
            return _drift(args)
        if args.command == "cost":
            return _cost(args)
        if args.command == "diagram":
            return _diagram(args)
    except (FileNotFoundError, ConfigError) as exc:
        return _error(str(exc))
    return EXIT_CONFIG  # pragma: no cover - argparse rejects unknown commands first


def _guard(args: argparse.Namespace) -> int:
    from tools.review import guard

    try:
        document = guard.load(args.preview)
    except guard.PreviewFormatError as exc:
        return _error(str(exc))
    found = guard.findings(document)
    steps = document.get("steps", [])
    refused = guard.version_problems(document)
    for problem in refused:
        print(f"refused: {problem}")
    if refused and not found:
        return EXIT_DANGER
    for finding in found:
        print(finding.describe())
    if found:
        print(
            f"\n{len(found)} stateful or protected resource(s) would be replaced or deleted.", file=sys.stderr
        )
        return EXIT_DANGER
    print(f"ok: {len(steps)} steps, no stateful or protected resource replaced or deleted")
    return 0


def _drift(args: argparse.Namespace) -> int:
    """0: no drift; 1: drift (reported, and posted with ``--slack``); 2: a file that is not a report."""
    from tools.review import drift

    reports = []
    for path in args.reports:
        try:
            reports.append(drift.report(drift.load(path), str(path)))
        except drift.DriftInputError as exc:
            return _error(str(exc))
    if args.json:
        print(json.dumps(drift.as_json(reports), indent=2))
    elif args.markdown:
        print(drift.as_markdown(reports), end="")
    else:
        print(drift.as_text(reports))
    if args.slack:
        post_slack(drift.slack_message(reports, os.environ.get("RUN_URL") or None))
    return EXIT_DRIFT if any(r.has_drift for r in reports) else 0


def post_slack(payload: dict[str, str]) -> bool:
    """POST ``payload`` to ``$SLACK_WEBHOOK_URL``; best effort: a failure is a warning, never the exit status
    (the report is in the job's log and summary either way)."""
    import urllib.error
    import urllib.request

    url = os.environ.get("SLACK_WEBHOOK_URL", "")
    if not url:
        print("notice: SLACK_WEBHOOK_URL is not set; the drift report was not posted", file=sys.stderr)
        return False
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"warning: posting the drift report to Slack failed: {exc}", file=sys.stderr)
        return False
    return True


def _diff(args: argparse.Namespace) -> int:
    from components.cluster.upgrade import cluster_version, version_change_problem
    from tools.review import compare, cost, report, snapshot

    try:
        repo = snapshot.toplevel(args.repo or Path.cwd())
        base, head = snapshot.previews(repo, args.stack, args.base, args.head, args.project)
    except snapshot.SnapshotError as exc:
        return _error(str(exc))
    diff = compare.compare(base.document, head.document)
    prices = cost.load_prices()
    costs = (
        cost.estimate(args.stack, base.document.get("resources", []), prices),
        cost.estimate(args.stack, head.document.get("resources", []), prices),
    )
    labels = {"stack": args.stack, "base": args.base, "head": args.head or "working tree"}
    # The base revision's cluster is what main last deployed: a change may move it one minor up, no more.
    refused = version_change_problem(
        cluster_version(base.document.get("resources", [])),
        cluster_version(head.document.get("resources", [])),
    )
    if args.json:
        document = report.as_json(diff, project=args.project, costs=costs, **labels)
        document["refused"] = [refused] if refused else []
        print(json.dumps(document, indent=2))
    elif args.markdown:
        drawing = None
        if diff.components_changed:  # the comment shows the new architecture when the change alters it
            if args.head is None:
                drawing = snapshot.diagram(repo, args.stack, args.project)
            else:
                with snapshot.worktree(repo, args.head) as head_tree:
                    drawing = snapshot.diagram(head_tree, args.stack, args.project)
        print(report.as_markdown(diff, project=args.project, costs=costs, diagram=drawing, **labels))
    else:
        print(report.as_text(diff, costs=costs, **labels))
    if refused:
        if not args.json:
            print(f"\n**Refused:** {refused}" if args.markdown else f"\nrefused: {refused}")
        print(f"error: {refused}", file=sys.stderr)
    return EXIT_DANGER if diff.danger or refused else 0


def _cost(args: argparse.Namespace) -> int:
    from tools.review import cost

    document, _, config = _preview_document(args.stack, args.project, args.root)
    estimate = cost.estimate(args.stack, document["resources"], cost.load_prices(), budget_of(config))
    if args.json:
        print(json.dumps(estimate.as_json(), indent=2))
    else:
        print(
            f"Monthly on-demand estimate of {args.stack} (prices as of {estimate.as_of}; EKS support tier on"
            f" {estimate.run_date}):\n"
        )
        for line in estimate.lines:
            upto = f" (up to {line.monthly_usd_max:,.2f})" if line.monthly_usd_max is not None else ""
            print(f"{line.monthly_usd:>10,.2f}  {line.resource:<42} {line.description}{upto}")
        print(f"\n{estimate.total:>10,.2f}  total (at maximum scale {estimate.total_max:,.2f})")
        for u in estimate.unpriced:
            print(f"not priced: {u.resource} ({u.type}): {u.what}")
    if estimate.over_budget:
        print(
            f"warning: {args.stack} estimate {estimate.total:,.2f} USD/month exceeds its budget "
            f"platform:observability.budget.monthlyLimitUsd = {estimate.budget_usd:,.2f}",
            file=sys.stderr,
        )
    return 0


def _diagram(args: argparse.Namespace) -> int:
    from tools.review.diagram import flowchart, flowchart_of_projects, nodes

    if args.project is not None:
        _, resources, _ = _preview_document(args.stack, args.project, args.root)
        print(flowchart(nodes(resources), compact=args.components))
        return 0
    platform, services = project_runs(args.stack, args.root)
    drawing = [(Project.PLATFORM.value, nodes(platform.resources))]
    if services is not None:
        drawing.append((Project.SERVICES.value, nodes(services.resources)))
    references = [(Project.SERVICES.value, Project.PLATFORM.value)] if services is not None else []
    print(flowchart_of_projects(drawing, references, compact=args.components))
    return 0


def project_runs(stack: str, repository: Path | None = None) -> tuple[Any, Any]:
    """The platform run of ``stack`` and, if the services project has that stack, its run (whose
    StackReference is answered by this platform run, as ``runner.run_project`` does), in the repository
    ``repository`` (defaults to this one)."""
    from settings import stacks
    from tools.preview import runner

    repository = repository or stacks.ROOT
    platform = runner.run_platform(stack, preview=True, root=repository)
    root = stacks.project_dir(Project.SERVICES, repository)
    if not (root / f"Pulumi.{stack}.yaml").is_file():
        return platform, None
    stack_file = stacks.read(stack, Project.SERVICES, repository)
    references = {runner._platform_reference(stack_file): platform.outputs}
    return platform, runner.run_program(
        stack_file, preview=True, root=root, stack_references=references, repository=repository
    )
