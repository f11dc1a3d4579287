"""Options the commands share: ``--root``, the repository a command reads."""

from __future__ import annotations

import argparse
from pathlib import Path

from settings import stacks


def add_root(parser: argparse.ArgumentParser) -> None:
    """``--root``: the repository whose stack registry and stack files a command reads."""
    parser.add_argument(
        "--root", type=Path, default=None, help="the repository to read (defaults to this one)"
    )


def root_of(args: argparse.Namespace) -> Path:
    """The repository ``args.root`` names, or this one."""
    return (getattr(args, "root", None) or stacks.ROOT).resolve()
