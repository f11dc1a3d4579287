"""The first deploy of a new environment (docs/DELIVERY.md): an administrator's shell creates everything on
AWS with the Kubernetes provider and its dependents excluded, then the in-VPC runners it created deploy
the rest. Checked by replaying the Pulumi engine's exclusion rule over the recorded program."""

from __future__ import annotations

import fnmatch

import pytest

from tests.conftest import STACKS, stack_run

FIRST_UP_EXCLUDE = "**pulumi:providers:kubernetes::**"
"""The `--exclude` of the first `up` (with `--exclude-dependents`), as docs/DELIVERY.md writes it."""


def excluded(resources, pattern: str) -> set[str]:
    """What `pulumi up --exclude PATTERN --exclude-dependents` leaves out, as the engine decides it
    (pulumi/pulumi pkg/resource/deploy/step_generator.go ``isExcludedFromUpdate``: a resource is excluded
    when it matches, or its provider, a dependency or its parent is excluded; resources are visited in
    registration order, as the engine visits them)."""
    glob = pattern.replace("**", "*")
    out: set[str] = set()
    for r in resources:
        provider = r.provider.rsplit("::", 1)[0] if r.provider else None
        if (
            fnmatch.fnmatchcase(r.urn, glob)
            or provider in out
            or r.parent in out
            or any(dep in out for dep in r.dependencies)
        ):
            out.add(r.urn)
    return out


@pytest.mark.parametrize("stack", STACKS)
def test_the_administrators_first_up_creates_all_of_aws_and_nothing_on_kubernetes(stack):
    resources = stack_run(stack).resources
    out = excluded(resources, FIRST_UP_EXCLUDE)
    kubernetes = {r.urn for r in resources if r.type.startswith("kubernetes:")}
    aws = {r.urn for r in resources if r.type.startswith("aws:")}
    assert kubernetes
    assert kubernetes <= out  # nothing that needs the private API endpoint
    assert not aws & out, sorted(aws & out)  # the cluster, the data tier and the runners all exist after it
    assert any(r.type == "aws:codebuild/project:Project" and r.urn not in out for r in resources)
