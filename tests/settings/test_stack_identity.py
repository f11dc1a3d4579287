"""A stack cannot lie about what it is (issue 29): its tier, its account and the platform stack its services
read are bound by the stack registry (``stacks.yaml``), and every stack file that states one must agree.

Each test works on a copy of the repository's project and stack files (not its code) in ``tmp_path``, loaded
through the loaders the programs and the command line use.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from components.core.tier import Tier
from settings import registry, stackfile, stacks
from settings.config import ConfigError, parse_services, platform_settings
from settings.stacks import Project
from tests.conftest import STACKS

BOOTSTRAP = stacks.ROOT / "bootstrap"


def _repo(tmp_path: Path) -> Path:
    """A copy of the repository's project files, stack files and stack registry."""
    root = tmp_path / "repo"
    for project in Project:
        source, target = stacks.project_dir(project), stacks.project_dir(project, root)
        target.mkdir(parents=True, exist_ok=True)
        for path in source.glob("Pulumi*.yaml"):
            shutil.copy(path, target / path.name)
    shutil.copy(stacks.ROOT / registry.FILE, root / registry.FILE)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def _platform_file(root: Path, stack: str) -> Path:
    return stacks.project_dir(Project.PLATFORM, root) / f"Pulumi.{stack}.yaml"


def _services_file(root: Path, stack: str) -> Path:
    return stacks.project_dir(Project.SERVICES, root) / f"Pulumi.{stack}.yaml"


def _problems(stack: str, root: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        platform_settings(stack, root)
    return caught.value.problems


def test_the_repository_stacks_are_the_registry_in_promotion_order():
    assert registry.load(stacks.ROOT).names == STACKS == ("dev", "staging", "prod")
    assert [stacks.tier_of(s) for s in STACKS] == [Tier.DEV, Tier.STAGING, Tier.PROD]


def test_a_prod_stack_file_saying_dev_is_refused_naming_both_values(tmp_path):
    # Issue 29: `platform:tier: dev` in Pulumi.prod.yaml previewed with exit 0, unprotected.
    root = _repo(tmp_path)
    _edit(_platform_file(root, "prod"), "platform:tier: prod", "platform:tier: dev")
    problems = _problems("prod", root)
    assert any(
        p.startswith(
            "platform:tier: stacks.yaml binds stack 'prod' to tier 'prod'; this stack file says 'dev'"
        )
        for p in problems
    ), problems


def test_a_stack_file_cannot_lower_its_guardrails_by_stating_another_tier(tmp_path):
    # The bound tier's floors apply whatever the file says: both mistakes are reported in one run.
    root = _repo(tmp_path)
    path = _platform_file(root, "prod")
    _edit(path, "platform:tier: prod", "platform:tier: dev")
    _edit(path, "  platform:region:", "  platform:protect: false\n  platform:region:")
    problems = _problems("prod", root)
    assert any(p.startswith("platform:tier: ") for p in problems)
    assert any(p.startswith("platform:protect: prod protects stateful resources") for p in problems), problems


def test_what_deploys_without_approval_follows_the_registry_not_the_stack_file(tmp_path):
    root = _repo(tmp_path)
    _edit(_platform_file(root, "prod"), "platform:tier: prod", "platform:tier: dev")
    assert stacks.tier_of("prod", root) is Tier.PROD


def test_a_stack_file_naming_another_account_is_refused(tmp_path):
    root = _repo(tmp_path)
    _edit(
        _platform_file(root, "prod"),
        'platform:accountId: "333333333333"',
        'platform:accountId: "111111111111"',
    )
    problems = _problems("prod", root)
    assert any(
        p.startswith("platform:accountId: stacks.yaml binds stack 'prod' to accountId '333333333333';")
        and "says '111111111111'" in p
        for p in problems
    ), problems


def test_a_stack_missing_from_the_registry_is_refused(tmp_path):
    root = _repo(tmp_path)
    shutil.copy(_platform_file(root, "staging"), _platform_file(root, "qa"))
    problems = _problems("qa", root)
    assert problems == [
        "the stack 'qa' is not in the stack registry (stacks.yaml: dev, staging, prod); a stack's tier and"
        " account are bound there: add an entry before using its stack files"
    ]


def test_a_new_environment_is_a_registry_entry_and_its_stack_files(tmp_path):
    root = _repo(tmp_path)
    shutil.copy(_platform_file(root, "staging"), _platform_file(root, "qa"))
    qa = _platform_file(root, "qa")
    qa.write_text(qa.read_text().replace("222222222222", "444444444444"))
    _edit(
        root / registry.FILE,
        "  prod:\n",
        '  qa:\n    tier: staging\n    accountId: "444444444444"\n  prod:\n',
    )
    assert stacks.stacks(root=root) == ("dev", "staging", "qa", "prod")
    assert platform_settings("qa", root).tier is Tier.STAGING


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (
            ("  dev:\n    tier: dev", "  dev:\n    tier: prod"),
            "stacks.yaml: stacks.staging.tier: stacks are listed in promotion order and a release only moves"
            " towards prod, so a staging stack cannot follow 'dev' (prod)",
        ),
        (
            ('accountId: "222222222222"', 'accountId: "111111111111"'),
            "stacks.yaml: stacks.staging.accountId: every environment has its own account, but 'dev' is in"
            " 111111111111 too",
        ),
        (
            ("tier: prod", "tier: production"),
            "stacks.yaml: stacks.prod.tier: Input should be 'dev', 'staging' or",
        ),
        (("  dev:\n", "  dev/x:\n"), "stacks.yaml: stacks.dev/x: a stack name may only contain"),
    ],
)
def test_the_registry_refuses_what_would_make_a_stack_lie(tmp_path, edit, fragment):
    root = _repo(tmp_path)
    _edit(root / registry.FILE, *edit)
    with pytest.raises(ConfigError) as caught:
        registry.load(root)
    assert any(p.startswith(fragment) for p in caught.value.problems), caught.value.problems


def test_a_repository_without_a_registry_is_told_so(tmp_path):
    root = _repo(tmp_path)
    (root / registry.FILE).unlink()
    with pytest.raises(ConfigError, match=r"stacks\.yaml: no stack registry in"):
        platform_settings("prod", root)


@pytest.mark.parametrize("stack", STACKS)
def test_each_bootstrap_stack_agrees_with_the_registry(stack):
    binding = registry.load(stacks.ROOT).binding(stack)
    stated = {
        key.split(":", 1)[1]: value
        for key, value in stackfile.read_stack_file(stack, BOOTSTRAP).config.items()
        if key.startswith("bootstrap:")
    }
    assert registry.agreement_problems(binding, stated, "bootstrap") == []
    assert {"tier", "accountId"} <= set(stated)


def test_a_bootstrap_stack_with_another_tier_is_a_disagreement():
    binding = registry.load(stacks.ROOT).binding("prod")
    (problem,) = registry.agreement_problems(
        binding, {"tier": "dev", "accountId": "333333333333"}, "bootstrap"
    )
    assert problem.startswith(
        "bootstrap:tier: stacks.yaml binds stack 'prod' to tier 'prod'; this stack file says 'dev'"
    )


@pytest.mark.parametrize(
    "reference",
    [
        "organization/platform/dev",  # another environment's platform stack (issue 29)
        "organization/billing/staging",  # another project (issue 29)
        "prod",  # a bare name is the services project's own stack
        "platform/prod",
    ],
)
def test_services_read_only_the_platform_stack_of_their_own_name(tmp_path, reference):
    root = _repo(tmp_path)
    path = _services_file(root, "prod")
    _edit(path, "config:\n", f"config:\n  services:platformStack: {reference}\n")
    stack_file = stackfile.read_stack_file("prod", path.parent)
    with pytest.raises(ConfigError) as caught:
        parse_services(stack_file.config, "prod", platform_settings("prod", root))
    assert caught.value.problems == [
        "services:platformStack: the services stack 'prod' runs on the platform stack of the same name,"
        " 'organization/platform/prod' (the one its references are checked against);"
        f" got {reference!r}. Leave the key out, or write 'organization/platform/prod'"
    ]


def test_services_may_restate_their_platform_stack(tmp_path):
    root = _repo(tmp_path)
    path = _services_file(root, "prod")
    _edit(path, "config:\n", "config:\n  services:platformStack: organization/platform/prod\n")
    stack_file = stackfile.read_stack_file("prod", path.parent)
    settings = parse_services(stack_file.config, "prod", platform_settings("prod", root))
    assert settings.platform_stack == "organization/platform/prod"


def test_a_services_stack_without_a_platform_twin_is_told_which_file_is_missing(tmp_path):
    # Issue 29: it was told "no stack file Pulumi.prod.yaml", which reads as its own file.
    root = _repo(tmp_path)
    platform_file = _platform_file(root, "prod")
    platform_file.unlink()
    with pytest.raises(ConfigError) as caught:
        platform_settings("prod", root)
    (problem,) = caught.value.problems
    assert "the platform project has no stack file Pulumi.prod.yaml" in problem
    assert str(platform_file.parent) in problem


def test_a_review_stack_reads_its_base_s_platform_stack_and_no_other():
    # Review environments (pr-<n>) run on their base's platform stack (settings/reviews.py).
    assert registry.platform_stack_problem("pr-12", "dev", "organization/platform/dev") is None
    problem = registry.platform_stack_problem("pr-12", "dev", "organization/platform/prod")
    assert problem is not None
    assert problem.startswith("the services stack 'pr-12' runs on the platform stack of its base, 'dev',")
