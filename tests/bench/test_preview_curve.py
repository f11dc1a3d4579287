"""The bench's service curve measures valid stacks of prod's shape: the generated services load through the
same validation a preview runs, with their ``after`` order, hosts and names intact at every size."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings.config import platform_settings, services_settings
from tests.bench import scripts

BENCH = scripts.load("preview")


@pytest.mark.parametrize("count", BENCH.CURVE)
def test_the_curve_copies_prods_services_with_their_order_and_distinct_hosts(count):
    prod = services_settings(platform_settings("prod")).config.apps  # type: ignore[union-attr]
    apps = BENCH.services_of_prod_shape(count)["config"]["services:apps"]
    names = list(apps)
    assert len(names) == len(set(names)) == count
    for position, (name, spec) in enumerate(apps.items()):
        original = name.rsplit("-", 1)[0] if name not in prod else name
        assert original in prod  # a copy of one of prod's services
        assert all(earlier in names[:position] for earlier in spec.get("after", []))
    hosts = [spec["ingress"]["host"] for spec in apps.values() if "ingress" in spec]
    assert len(hosts) == len(set(hosts))
    with_after = sum(1 for spec in apps.values() if spec.get("after"))
    assert with_after >= count // len(prod) * sum(1 for spec in prod.values() if spec.after)


def test_the_generated_repository_passes_the_previews_validation(tmp_path: Path):
    root = BENCH.repository_with_services(tmp_path, 25)
    platform = platform_settings("prod", root)
    services = services_settings(platform, root)
    assert services is not None
    assert len(services.config.apps) == 25
