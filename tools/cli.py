"""``python -m tools``: the offline tools of the platform.

    python -m tools preview --stack staging            # a tree like `pulumi preview`
    python -m tools preview --stack prod --json        # machine-readable
    python -m tools preview --stack dev --markdown     # for a pull-request comment
    python -m tools preview --stack prod --project services   # the services project (default: platform)
    python -m tools scan --stack prod                  # checkov over the offline run (docs/CHECKOV.md)
    python -m tools stacks --json                      # the stack registry, for the workflows' matrices
    python -m tools timing --stack prod --json         # release/rollback per service, from-scratch path
    python -m tools dr --stack prod --json             # RPO/RTO per store, its copies, what has none
    python -m tools drill --postgres-snapshot ID --atlas-snapshot ID   # the restore drill's stack file
    python -m tools env add alice                      # a dev environment on a shared Atlas slot
    python -m tools env remove alice                   # free its slot (reused first-in, first-out)
    python -m tools env add pr-123                     # a review environment: slot + services stack pr-123
    python -m tools env expired                        # review environments past their TTL, one a line
    python -m tools env policy                         # services:review of dev as JSON (label, quota, TTL)
    python -m tools release --stack dev --service gateway --image REPO:dev-2612010900   # tools/release.py
    python -m tools rollback --stack prod --service gateway [--to REPO:vX.Y.Z@sha256:...]
    python -m tools hosts --stack staging              # ingress hosts of the services, for smoke checks
    python -m tools diff --stack prod --base origin/main --markdown   # what a change does (tools/review/)
    python -m tools guard preview.json                 # a real `pulumi preview --json` drops no data
    python -m tools drift refresh.json [preview.json]  # what changed outside Pulumi (exit 1 on drift)
    python -m tools cost --stack prod --json           # monthly on-demand estimate
    python -m tools diagram --stack prod               # Mermaid flowchart of the architecture
    python -m tools upgrade-check --stack prod --to 1.35   # what blocks the next EKS minor (tools/upgrade.py)

Exit codes: 0 success, 1 drift found (drift), 2 invalid configuration or usage (a message, never a traceback), 3 a mandatory
policy violation (the rules of the CrossGuard pack in policy/, run over the previewed resources), 4 a
change would replace or delete a protected or stateful resource (diff, guard), or a failing checkov
check not accepted in docs/CHECKOV.md (scan), or something blocks the EKS bump (upgrade-check).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from settings.stacks import Project, stack_argument
from tools.options import add_root, root_of

EXIT_CONFIG = 2
EXIT_POLICY = 3
EXIT_SCAN = 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools", description="Offline tools of the platform program."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="run the program under mocks and show what it would create")
    preview.add_argument(
        "--stack", "-s", type=stack_argument, required=True, help="stack name: dev, staging or prod"
    )
    preview.add_argument(
        "--project",
        "-p",
        choices=[p.value for p in Project],
        default=Project.PLATFORM.value,
        help="which project: platform (network, data, cluster) or services (the product's services)",
    )
    preview.add_argument(
        "--root",
        "--project-dir",
        type=Path,
        default=None,
        help="the repository to preview (defaults to this one)",
    )
    preview.add_argument(
        "--no-cache",
        action="store_true",
        help="services: run the platform program for its outputs even if .cache/ holds an identical run"
        " (a platform preview stores its outputs there; $INFRA_PREVIEW_CACHE names another directory)",
    )
    form = preview.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON: stack, resources, summary")
    form.add_argument("--markdown", action="store_true", help="print a compact Markdown summary")
    scan = commands.add_parser("scan", help="run checkov over what the program would create")
    scan.add_argument(
        "--stack", "-s", type=stack_argument, required=True, help="stack name: dev, staging or prod"
    )
    scan.add_argument(
        "--project",
        "-p",
        choices=[p.value for p in Project],
        default=Project.PLATFORM.value,
        help="which project",
    )
    add_root(scan)
    timing = commands.add_parser(
        "timing", help="release and rollback time per service, and the platform's from-scratch critical path"
    )
    timing.add_argument(
        "--stack", "-s", type=stack_argument, required=True, help="stack name: dev, staging or prod"
    )
    timing.add_argument(
        "--json",
        action="store_true",
        help='print {"stack", "services": {NAME: {"release_seconds", "rollback_seconds"}}, "from_scratch_seconds"}',
    )
    add_root(timing)
    dr = commands.add_parser(
        "dr", help="recovery point and time per stateful store, where each copy lives, which have none"
    )
    dr.add_argument(
        "--stack", "-s", type=stack_argument, required=True, help="stack name: dev, staging or prod"
    )
    add_root(dr)
    dr.add_argument(
        "--json",
        action="store_true",
        help='print {"stack", "stores": [{"name", "kind", "rpo_minutes", "rto_minutes", "copies"}], "missing"}',
    )
    drill = commands.add_parser(
        "drill",
        help="write the restore drill's stack file (drills/Pulumi.drill.yaml with this run's sources)",
    )
    drill.add_argument(
        "--postgres-snapshot", default=None, help="the DB snapshot (this account's copy) to restore"
    )
    drill.add_argument(
        "--atlas-snapshot", default=None, help="the source cluster's Atlas snapshot id to restore"
    )
    add_root(drill)
    registry = commands.add_parser("stacks", help="list the stacks of each project, in promotion order")
    registry.add_argument("--json", action="store_true", help='print {"platform": [...], "services": [...]}')
    add_root(registry)
    env = commands.add_parser(
        "env",
        help="add or remove a dev environment on a shared Atlas cluster slot; pr-<n>: a review environment"
        " (its services stack file too; renew pushes back its expiry, expired lists those past it)",
    )
    env.add_argument("action", choices=["add", "remove", "renew", "expired", "policy"])
    env.add_argument(
        "name", nargs="?", default=None, help="environment name: lower-case letters, digits and '-'"
    )
    env.add_argument(
        "--now", type=_utc_time, default=None, help=argparse.SUPPRESS
    )  # the clock, for reproducible runs
    env.add_argument(
        "--stack", "-s", type=stack_argument, default="dev", help="stack file to edit (default dev)"
    )
    env.add_argument(
        "--root",
        "--project-dir",
        type=Path,
        default=None,
        help="the repository whose platform stack file to edit (defaults to this one)",
    )
    release = commands.add_parser("release", help="set a service's image in a services stack file")
    release.add_argument(
        "--stack", "-s", type=stack_argument, required=True, help="the services stack: dev, staging or prod"
    )
    release.add_argument("--service", required=True, help="the service (a key of services:apps)")
    release.add_argument("--image", required=True, help="the image reference the stack's tier accepts")
    release.add_argument("--no-diff", action="store_true", help="skip the offline diff against HEAD")
    release.add_argument(
        "--jobs",
        type=json.loads,
        default=None,
        help='the new image\'s job-schema versions, JSON: {"emits": {"job:convert": [2]}, "accepts": {...}}',
    )
    add_root(release)
    rollback = commands.add_parser(
        "rollback", help="set a service's rollbackTo (default: its previous image)"
    )
    rollback.add_argument(
        "--stack", "-s", type=stack_argument, required=True, help="the services stack: dev, staging or prod"
    )
    rollback.add_argument("--service", required=True, help="the service (a key of services:apps)")
    rollback.add_argument(
        "--to", default=None, help="the release to ship (default: the previous image in git)"
    )
    rollback.add_argument("--no-diff", action="store_true", help="skip the offline diff against HEAD")
    add_root(rollback)
    hosts = commands.add_parser("hosts", help="the ingress hosts of a services stack, one a line")
    hosts.add_argument("--stack", "-s", type=stack_argument, required=True)
    add_root(hosts)
    upgrade = commands.add_parser(
        "upgrade-check", help="what blocks a bump of the stack's EKS control plane to a Kubernetes minor"
    )
    upgrade.add_argument("--stack", "-s", type=stack_argument, required=True)
    upgrade.add_argument("--to", required=True, help="the target Kubernetes minor, e.g. 1.35")
    upgrade.add_argument(
        "--manifests",
        type=Path,
        action="append",
        default=[],
        help="rendered manifests (a YAML file or a directory, e.g. `helm template` output) to check too",
    )
    upgrade.add_argument(
        "--stack-dir", type=Path, default=None, help="read the platform stack file from this directory"
    )
    upgrade.add_argument("--json", action="store_true", help="print JSON: from, to, blocked, findings")
    from tools.review import commands as review

    review.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "preview":
            return _preview(args)
        if args.command == "env":
            return _env(args)
        if args.command == "stacks":
            return _stacks(args)
        if args.command in ("release", "rollback", "hosts"):
            return _release(args)
        if args.command == "timing":
            return _timing(args)
        if args.command == "dr":
            return _dr(args)
        if args.command == "drill":
            return _drill(args)
        if args.command in ("diff", "guard", "drift", "cost", "diagram"):
            from tools.review import commands as review

            return review.run(args)
        if args.command == "scan":
            return _scan(args)
        if args.command == "upgrade-check":
            return _upgrade_check(args)
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return 0
    return EXIT_CONFIG  # pragma: no cover - argparse rejects unknown commands first


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """``main`` for a process that does nothing else: flush, then exit without the interpreter's teardown.

    A preview leaves ~400k objects and ~1,000 SDK modules behind; tearing them down one by one takes
    about a second and changes nothing. The collector is off for the same reason (the offline run pauses
    it too; this keeps it off while the output is rendered). Only the command line's own process exits
    this way: library code and the tests call :func:`main`.
    """
    gc.disable()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors and --help
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_CONFIG)
        if not isinstance(exc.code, int | None):
            print(exc.code, file=sys.stderr)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = code or 0
    sys.stderr.flush()
    os._exit(code)


def _preview(args: argparse.Namespace) -> int:
    from components.core.context import DataSourceError
    from settings import stacks
    from settings.config import ConfigError
    from tools.preview import policy, render, runner

    root = (args.root or stacks.ROOT).resolve()
    try:
        cache = None if args.no_cache else runner.cache_dir(root)
        result = runner.run_project(args.project, args.stack, preview=True, root=root, cache=cache)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except DataSourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    tier = stacks.tier_of(args.stack, root)
    violations = policy.check(result.resources, tier.value if tier else None)
    if args.json:
        document = render.document(result.stack, result.resources, result.outputs)
        document["policy"] = policy.as_json(violations)
        print(json.dumps(document, indent=2))  # once: indented output is Python's slow encoder
    elif args.markdown:
        print(render.as_markdown(result.stack, result.resources) + "\n" + policy.as_markdown(violations))
    else:
        print(render.as_tree(result.stack, args.project, result.resources))
        print("\n" + policy.as_text(violations))
    if result.unanswered_calls:
        print(
            f"note: data sources the mocks do not answer: {sorted(set(result.unanswered_calls))}",
            file=sys.stderr,
        )
    return EXIT_POLICY if policy.mandatory(violations) else 0


def _timing(args: argparse.Namespace) -> int:
    from settings.config import ConfigError
    from tools import timing

    try:
        document = timing.report(timing.load(args.stack, root_of(args)))
    except (FileNotFoundError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(json.dumps(document, indent=2) if args.json else timing.as_text(document))
    return 0


def _dr(args: argparse.Namespace) -> int:
    from settings.config import ConfigError
    from tools import dr

    try:
        document = dr.load(args.stack, args.root).as_json()
    except (FileNotFoundError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(json.dumps(document, indent=2) if args.json else dr.as_text(document))
    return 0


def _drill(args: argparse.Namespace) -> int:
    from settings.config import ConfigError
    from tools import drill

    try:
        path = drill.write(args.postgres_snapshot, args.atlas_snapshot, args.root or drill.ROOT)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(
        f"{path.name}: the restore drill, from {drill.TEMPLATE.relative_to(drill.ROOT)} with this run's sources"
    )
    return 0


def _stacks(args: argparse.Namespace) -> int:
    from components.core.tier import Tier
    from settings import stacks
    from settings.errors import ConfigError

    root = root_of(args)
    try:
        registry = {project.value: list(stacks.stacks(project, root)) for project in Project}
        # What the deploy workflows do on a merge (in order) and what waits for a dispatch and its approval:
        # the tiers the stack registry binds, never what a stack file says.
        tiers = {s: stacks.tier_of(s, root) for s in registry["platform"]}
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    registry["automatic"] = [s for s in registry["platform"] if tiers[s] is not Tier.PROD]
    registry["approval"] = [s for s in registry["platform"] if tiers[s] is Tier.PROD]
    if args.json:
        print(json.dumps(registry))
    else:
        for project, names in registry.items():
            print(f"{project}: {' '.join(names)}")
    return 0


def _env(args: argparse.Namespace) -> int:
    from settings import stacks
    from settings.errors import ConfigError
    from tools import envs

    path = stacks.project_dir(stacks.Project.PLATFORM, args.root or stacks.ROOT) / f"Pulumi.{args.stack}.yaml"
    if not path.is_file():
        print(f"error: no stack file {path.name}", file=sys.stderr)
        return EXIT_CONFIG
    if args.action not in ("expired", "policy") and not args.name:
        print(f"error: env {args.action} needs an environment name", file=sys.stderr)
        return EXIT_CONFIG
    from components.apps.review import is_review

    if args.action in ("renew", "expired", "policy") or is_review(args.name or ""):
        return _review_env(args, path)
    try:
        if args.action == "add":
            allocation = envs.add(path, args.name, args.stack)
            how = {
                "freed": "reused a freed slot",
                "free": "a free slot",
                "spare": "a spare cluster entered service",
            }
            print(f"{args.name}: {allocation.slot} ({how[allocation.source.value]}); recorded in {path.name}")
        else:
            removal = envs.remove(path, args.name, args.stack)
            print(
                f"{args.name}: removed; slot {removal.slot} queued for reuse in {path.name}."
                " The next `pulumi up` deletes its user, then its database role."
            )
    except (envs.EnvError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def _utc_time(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} names no time zone (e.g. 2026-12-06T20:00:00Z)")
    return moment


def _review_env(args: argparse.Namespace, platform_path: Path) -> int:
    """``env add|remove|renew pr-<n>``, ``env expired`` and ``env policy``: review environments
    (``components.apps.review``)."""
    from settings import stacks
    from settings.errors import ConfigError
    from tools import envs

    now = args.now or datetime.datetime.now(datetime.UTC)
    services_dir = stacks.project_dir(stacks.Project.SERVICES, args.root or stacks.ROOT)
    try:
        if args.action == "expired":
            for name in envs.expired(services_dir, now):
                print(name)
            return 0
        if args.action == "policy":  # what review-env.yml reads: the label, the quota, the TTL
            print(json.dumps(envs.review_policy(services_dir, args.stack).model_dump(by_alias=True)))
            return 0
        if args.action == "add":
            review = envs.add_review(platform_path, services_dir, args.name, args.stack, now)
            assert review.allocation is not None
            print(
                f"{args.name}: slot {review.allocation.slot} in {platform_path.name}; stack file"
                f" services/{review.stack_file.name}; expires {review.expires_at:%Y-%m-%dT%H:%M:%SZ}"
            )
        elif args.action == "renew":
            review = envs.renew(services_dir, args.name, args.stack, now)
            print(f"{args.name}: expires {review.expires_at:%Y-%m-%dT%H:%M:%SZ}")
        else:
            removal, stack_file = envs.remove_review(platform_path, services_dir, args.name, args.stack)
            print(
                f"{args.name}: removed services/{stack_file.name}; slot {removal.slot} queued for reuse in"
                f" {platform_path.name}"
            )
    except (envs.EnvError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0


def _release(args: argparse.Namespace) -> int:
    from settings.errors import ConfigError
    from tools import release

    try:
        root = root_of(args)
        if args.command == "hosts":
            print("\n".join(release.hosts(args.stack, root)))
            return 0
        if args.command == "release":
            change = release.release(args.stack, args.service, args.image, root, jobs=args.jobs)
        else:
            change = release.rollback(args.stack, args.service, args.to, root)
    except (
        release.ReleaseError,
        ConfigError,
    ) as exc:  # a stack file that cannot be read: exit 2, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"{change.key}: {change.before} -> {change.after} (services/{change.path.name})")
    if args.no_diff:
        return 0
    # What the edit does to the services project, offline, against the committed file.
    return main(
        [
            "diff",
            "--stack",
            args.stack,
            "--project",
            Project.SERVICES.value,
            "--base",
            "HEAD",
            "--repo",
            str(change.path.parent),
        ]
    )


def _scan(args: argparse.Namespace) -> int:
    from settings.config import ConfigError
    from tools.preview import checkov, runner

    root = root_of(args)
    try:  # the stack first: a mistake in it is named whether or not checkov is installed
        result = runner.run_project(args.project, args.stack, preview=False, root=root)
        region = checkov.stack_region(args.stack, root)
    except (FileNotFoundError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if not checkov.checkov_available():
        print("error: checkov is not installed (make scan-tools: requirements-scan.txt)", file=sys.stderr)
        return EXIT_CONFIG
    found = checkov.run_checkov(
        checkov.scan_input(result.resources, region),
        checkov.skip_list(),
    )
    for finding in found.failed:
        print(f"FAILED {finding.check_id} {finding.resource}: {finding.check_name}")
    for finding in found.skipped:
        print(f"accepted {finding.check_id} {finding.resource} (docs/CHECKOV.md)")
    for item in found.left_out:
        print(f"not scanned: {item}")
    print(f"{args.project}/{args.stack}: {found.summary()}")
    return EXIT_SCAN if found.failed else 0


def _upgrade_check(args: argparse.Namespace) -> int:
    from settings.config import ConfigError
    from tools import upgrade

    try:
        report = upgrade.run(args.stack, args.to, stack_dir=args.stack_dir, rendered=args.manifests)
    except (upgrade.UpgradeInputError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(json.dumps(report.as_json(), indent=2) if args.json else upgrade.as_text(args.stack, report))
    return EXIT_SCAN if report.blocked else 0
