"""Run the offline preview of a revision with that revision's own code, and read what it registered.

A base revision is checked out into a temporary ``git worktree`` (removed afterwards). Its preview runs
in a subprocess of the current interpreter (the same venv, so the same SDK versions) whose imports of
the project's packages (:data:`PACKAGES`) resolve to the checked-out tree: a meta-path finder placed
first maps them to the worktree, and the editable install's finder (which maps them to the tree the venv
was built from) is removed. After the run the subprocess refuses (exit 2) if any module of
these packages came from elsewhere, so a shadowed import cannot go unnoticed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGES = ("infra", "services", "settings", "tools", "components", "policy")

# Runs in the subprocess: argv = [root, *cli args]. Kept free of this project's imports on purpose.
BOOTSTRAP = r"""
import gc, importlib, os, sys
from importlib.machinery import PathFinder

gc.disable()  # a short-lived process, as `python -m tools` (tools.cli.run): no collector, no teardown

root = os.path.realpath(sys.argv[1])
packages = tuple(sys.argv[2].split(","))


class RevisionFinder:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        return PathFinder.find_spec(name, [root]) if name in packages else None


sys.meta_path[:] = [RevisionFinder] + [
    f for f in sys.meta_path if not getattr(f, "__name__", "").startswith("_Editable")
]
# The command line's module: tools.cli since the programs and the tools live apart (infra.cli before).
cli = "tools.cli" if os.path.isfile(os.path.join(root, "tools", "cli.py")) else "infra.cli"
code = importlib.import_module(cli).main(sys.argv[3:])
sys.stdout.flush()
stray = sorted(
    f"{m.__name__} ({m.__file__})"
    for m in list(sys.modules.values())
    if m.__name__.split(".")[0] in packages
    and getattr(m, "__file__", None)
    and not os.path.realpath(m.__file__).startswith(root + os.sep)
)
if stray:
    print("error: imported from outside " + root + ": " + ", ".join(stray), file=sys.stderr)
    code = 2
sys.stdout.flush()
sys.stderr.flush()
os._exit(code if isinstance(code, int) else 1)
"""


class SnapshotError(RuntimeError):
    """A revision could not be checked out or previewed (the message says which and why)."""


@dataclass(frozen=True)
class Snapshot:
    """A revision's preview document and where it came from."""

    revision: str
    document: dict[str, Any]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SnapshotError(f"git {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def toplevel(path: Path) -> Path:
    return Path(git(path, "rev-parse", "--show-toplevel"))


@contextmanager
def worktree(repo: Path, revision: str) -> Iterator[Path]:
    """A detached checkout of ``revision`` in a temporary directory, removed on exit."""
    try:
        commit = git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except SnapshotError:
        commit = ""
    if not commit:
        raise SnapshotError(f"unknown revision {revision!r} in {repo}")
    parent = Path(tempfile.mkdtemp(prefix="infra-diff-"))
    tree = parent / "tree"
    git(repo, "worktree", "add", "--detach", "--quiet", str(tree), commit)
    try:
        yield tree
    finally:
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(parent, ignore_errors=True)


def project_args(root: Path, project: str | None) -> list[str]:
    """The preview's arguments that select ``project`` (``platform`` or ``services``) in ``root``.

    The platform project is the default, selected by no argument, so that a base revision from before
    the project split (whose preview has no ``--project``) can still be compared.
    """
    return [] if project in (None, "platform") else ["--project", project]


def preview_command(root: Path, stack: str, project_args: Sequence[str] = ()) -> list[str]:
    """The subprocess that previews ``root`` with its own code, printing the preview JSON."""
    return command(root, ["preview", "--stack", stack, "--json", *project_args])


def command(root: Path, cli_args: Sequence[str]) -> list[str]:
    """``python -m tools <cli_args>`` run with the code of ``root`` (see the module docstring)."""
    return [sys.executable, "-c", BOOTSTRAP, str(root), ",".join(PACKAGES), *cli_args]


def diagram(root: Path, stack: str, project: str | None) -> str | None:
    """The Mermaid diagram of ``root`` drawn by its own code, or ``None`` if that revision cannot draw one."""
    args = ["diagram", "--stack", stack, *([] if project in (None, "platform") else ["--project", project])]
    done = subprocess.run(
        command(root, args),
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() if done.returncode == 0 and done.stdout.startswith("flowchart") else None


def start(
    root: Path, stack: str, project_args: Sequence[str] = (), cache: Path | None = None
) -> subprocess.Popen[str]:
    """Start the preview of ``root``; ``cache``: the platform outputs' cache it shares (``INFRA_PREVIEW_CACHE``)."""
    from tools.preview.runner import CACHE_ENV

    env = {**os.environ, "PYTHONPATH": str(root)}
    if cache is not None:
        env[CACHE_ENV] = str(cache)
    return subprocess.Popen(
        preview_command(root, stack, project_args),
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], revision: str) -> Snapshot:
    """Wait for a preview subprocess; exit 3 (policy violations) still carries a full document."""
    out, err = process.communicate()
    if process.returncode not in (0, 3):
        message = err.strip().splitlines()
        raise SnapshotError(f"preview of {revision} failed: " + ("\n".join(message[-20:]) or "no output"))
    try:
        document = json.loads(out)
    except json.JSONDecodeError:
        raise SnapshotError(f"preview of {revision} printed no JSON document") from None
    return Snapshot(revision, document)


def previews(
    repo: Path, stack: str, base: str, head: str | None, project: str | None = None
) -> tuple[Snapshot, Snapshot]:
    """The previews of ``base`` and of ``head`` (the working tree of ``repo`` when ``None``), run in parallel."""
    from tools.preview.runner import cache_dir

    # Both previews use the repository's cache of platform outputs (or $INFRA_PREVIEW_CACHE's, as the
    # preview command does), not their temporary worktree's: a run is stored under a key over every input
    # it depends on, so two revisions share it only when identical.
    cache = cache_dir(repo)
    with worktree(repo, base) as base_tree:
        if head is None:
            return _both(base_tree, base, repo, "working tree", stack, project, cache)
        with worktree(repo, head) as head_tree:
            return _both(base_tree, base, head_tree, head, stack, project, cache)


def _both(
    base_root: Path, base: str, head_root: Path, head: str, stack: str, project: str | None, cache: Path
) -> tuple[Snapshot, Snapshot]:
    first = start(base_root, stack, project_args(base_root, project), cache)
    second = start(head_root, stack, project_args(head_root, project), cache)
    try:
        return finish(first, base), finish(second, head)
    finally:
        for p in (first, second):
            if p.poll() is None:
                p.kill()
                p.wait()
