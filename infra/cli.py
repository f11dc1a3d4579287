"""``python -m infra``: the offline tools of the platform.

    python -m infra preview --stack staging            # a tree like `pulumi preview`
    python -m infra preview --stack prod --json        # machine-readable
    python -m infra preview --stack dev --markdown     # for a pull-request comment
    python -m infra env add alice                      # a dev environment on a shared Atlas slot
    python -m infra env remove alice                   # free its slot (reused first-in, first-out)

Exit codes: 0 success, 2 invalid configuration or usage (a message, never a traceback), 3 a mandatory
policy violation (the rules of the CrossGuard pack in policy/, run over the previewed resources).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_CONFIG = 2
EXIT_POLICY = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra", description="Offline tools of the platform program."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="run the program under mocks and show what it would create")
    preview.add_argument("--stack", "-s", required=True, help="stack name: dev, staging or prod")
    preview.add_argument(
        "--project-dir", type=Path, default=None, help="the project to preview (defaults to this repository)"
    )
    form = preview.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON: stack, resources, summary")
    form.add_argument("--markdown", action="store_true", help="print a compact Markdown summary")
    env = commands.add_parser("env", help="add or remove a dev environment on a shared Atlas cluster slot")
    env.add_argument("action", choices=["add", "remove"])
    env.add_argument("name", help="environment name: lower-case letters, digits and '-'")
    env.add_argument("--stack", "-s", default="dev", help="stack file to edit (default dev)")
    env.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="the project whose stack file to edit (defaults to this repository)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "preview":
            return _preview(args)
        if args.command == "env":
            return _env(args)
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return 0
    return EXIT_CONFIG  # pragma: no cover - argparse rejects unknown commands first


def _preview(args: argparse.Namespace) -> int:
    from components.core.context import DataSourceError
    from infra.config import ConfigError
    from infra.preview import policy, render, runner

    root = (args.project_dir or runner.ROOT).resolve()
    try:
        stack_file = runner.read_stack_file(args.stack, root)
        result = runner.run_program(stack_file, preview=True, root=root)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except DataSourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    violations = policy.check(result.resources, stack_file.config.get("platform:tier"))
    if args.json:
        document = json.loads(render.as_json(result.stack, result.resources, result.outputs))
        document["policy"] = policy.as_json(violations)
        print(json.dumps(document, indent=2))
    elif args.markdown:
        print(render.as_markdown(result.stack, result.resources) + "\n" + policy.as_markdown(violations))
    else:
        print(render.as_tree(result.stack, stack_file.project, result.resources))
        print("\n" + policy.as_text(violations))
    if result.unanswered_calls:
        print(
            f"note: data sources the mocks do not answer: {sorted(set(result.unanswered_calls))}",
            file=sys.stderr,
        )
    return EXIT_POLICY if policy.mandatory(violations) else 0


def _env(args: argparse.Namespace) -> int:
    from infra import envs
    from infra.errors import ConfigError
    from infra.preview import runner

    path = (args.project_dir or runner.ROOT) / f"Pulumi.{args.stack}.yaml"
    if not path.is_file():
        print(f"error: no stack file {path.name}", file=sys.stderr)
        return EXIT_CONFIG
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
