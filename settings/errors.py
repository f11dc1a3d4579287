"""The one error type of a bad stack configuration, shared by the loader, the settings and the CLI."""

from __future__ import annotations

import pulumi


class ConfigError(pulumi.RunError):
    """The stack configuration is invalid. ``problems`` holds one readable line per problem.

    A ``RunError`` makes the real language host print the message without a traceback; the offline
    tools print it and exit 2.
    """

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"Stack '{stack}' configuration has {len(problems)} {noun}:\n{lines}")
