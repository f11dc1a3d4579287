"""The stack registry: every project's stacks come from its stack files, in promotion order."""

from __future__ import annotations

import argparse

import pytest

from components.core.tier import Tier
from settings import registry, stackfile, stacks
from tools import cli


def test_both_projects_have_the_same_stacks_in_promotion_order():
    assert stacks.stacks(stacks.Project.PLATFORM) == ("dev", "staging", "prod")
    assert stacks.stacks(stacks.Project.SERVICES) == stacks.stacks(stacks.Project.PLATFORM)


def test_the_tier_comes_from_the_registry():
    # A new environment, the registry's rules and what a stack file may say: tests/settings/test_stack_identity.py
    assert stacks.tier_of("prod") is Tier.PROD
    assert stacks.tier_of("no-such-stack") is None


def test_a_stack_name_with_periods_is_one_stack(tmp_path):
    # Pulumi allows '.' in a stack name; the file name's first dot-separated part is not the stack.
    root = tmp_path / "repo"
    (root / "infra").mkdir(parents=True)
    (root / "infra" / "Pulumi.yaml").write_text((stacks.ROOT / "infra" / "Pulumi.yaml").read_text())
    (root / "infra" / "Pulumi.feature.x.yaml").write_text(
        (stacks.ROOT / "infra" / "Pulumi.dev.yaml").read_text()
    )
    (root / registry.FILE).write_text('stacks:\n  feature.x: {tier: dev, accountId: "111111111111"}\n')
    assert stacks.stack_files(root=root) == {"feature.x": root / "infra" / "Pulumi.feature.x.yaml"}
    assert stacks.tier_of("feature.x", root) is Tier.DEV
    assert stackfile.read_stack_file("feature.x", root / "infra").stack == "feature.x"


@pytest.mark.parametrize("name", ["dev", "feature.x", "qa-euw1", "A_b-9", "x" * 100])
def test_a_name_pulumi_accepts_is_accepted(name):
    assert stackfile.stack_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "may not be empty"),
        ("x" * 101, "cannot exceed 100 characters (101 given)"),
        ("../prod", "'../prod' has '/' at position 2"),
        ("my stack", "' ' at position 2"),
        ("org:prod", "':' at position 3"),
    ],
)
def test_a_name_pulumi_refuses_is_refused_with_the_reason(name, fragment):
    # pulumi/pulumi sdk/go/common/tokens/stack_name.go, ParseStackName
    problem = stackfile.stack_name_problem(name)
    assert problem is not None
    assert fragment in problem


def _commands_with_a_stack_option() -> list[str]:
    """Every subcommand of ``python -m tools`` that takes ``--stack``, read from the parser itself."""
    parser = cli._parser()
    (subcommands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(
        name for name, sub in subcommands.choices.items() if "--stack" in sub._option_string_actions
    )


STACK_COMMANDS = _commands_with_a_stack_option()


def test_the_commands_taking_a_stack_are_found():
    assert {"preview", "scan", "timing", "env", "release", "rollback", "hosts", "diff", "cost"} <= set(
        STACK_COMMANDS
    )


@pytest.mark.parametrize("command", STACK_COMMANDS)
def test_every_command_refuses_a_bad_stack_name_naming_the_option(capsys, command):
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--stack", "../prod"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument --stack/-s: a stack name may only contain" in err
    assert "'/' at position 2" in err


def test_a_directory_without_stack_files_is_named(capsys, tmp_path):
    assert cli.main(["preview", "--stack", "prod", "--root", str(tmp_path)]) == cli.EXIT_CONFIG
    assert (
        f"no stack file Pulumi.prod.yaml; {tmp_path / 'infra'} has no stack files" in capsys.readouterr().err
    )
