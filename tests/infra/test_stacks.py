"""The stack registry: every project's stacks come from its stack files, in promotion order."""

from __future__ import annotations

import shutil

from components.core.tier import Tier
from infra import stacks


def test_both_projects_have_the_same_stacks_in_promotion_order():
    assert stacks.stacks(stacks.Project.PLATFORM) == ("dev", "staging", "prod")
    assert stacks.stacks(stacks.Project.SERVICES) == stacks.stacks(stacks.Project.PLATFORM)


def test_a_new_environment_is_a_stack_file(tmp_path):
    root = tmp_path / "repo"
    (root / "services").mkdir(parents=True)
    for name in ("prod", "dev"):
        shutil.copy(stacks.ROOT / f"Pulumi.{name}.yaml", root / f"Pulumi.{name}.yaml")
    text = (stacks.ROOT / "Pulumi.staging.yaml").read_text()
    (root / "Pulumi.qa-euw1.yaml").write_text(text)
    (root / "Pulumi.yaml").write_text((stacks.ROOT / "Pulumi.yaml").read_text())
    assert stacks.stacks(root=root) == ("dev", "qa-euw1", "prod")  # ordered by tier, not by name
    assert stacks.tier_of("qa-euw1", root) is Tier.STAGING


def test_the_tier_comes_from_the_stack_file_not_the_name():
    assert stacks.tier_of("prod") is Tier.PROD
    assert stacks.tier_of("no-such-stack") is None
