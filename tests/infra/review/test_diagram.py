"""The architecture diagram: a Mermaid flowchart, deterministic, and the README's copy is current."""

from __future__ import annotations

import re

from infra.preview.runner import ROOT
from infra.review.diagram import flowchart, flowchart_of_projects, nodes
from tests.conftest import stack_run
from tests.infra.review.conftest import services_run

BLOCK = re.compile(r"<!-- diagram:prod -->\n```mermaid\n(.*?)\n```\n<!-- /diagram:prod -->", re.S)


def prod_diagram() -> str:
    """What `python -m infra diagram --stack prod` prints: both projects, from the cached runs."""
    return flowchart_of_projects(
        [
            ("platform", nodes(stack_run("prod", preview=True).resources)),
            ("services", nodes(services_run("prod").resources)),
        ],
        [("services", "platform")],
    )


def test_prod_diagram_is_a_flowchart_with_the_main_components_and_their_edges():
    text = prod_diagram()
    assert text.startswith("flowchart")
    for subgraph in ("prod_network", "prod_postgres", "prod_redis", "prod_cluster", "prod_services"):
        assert f"subgraph {subgraph}[" in text
    assert "prod_postgres --> prod_network" in text
    assert "prod_cluster --> prod_network" in text
    assert 'prod_network__subnets_data["subnets data x3"]' in text
    assert "project_services -. StackReference .-> project_platform" in text


def test_the_diagram_does_not_depend_on_registration_order():
    resources = nodes(stack_run("prod", preview=True).resources)
    assert flowchart(resources) == flowchart(list(reversed(resources)))


def test_readme_shows_the_current_prod_diagram():
    match = BLOCK.search((ROOT / "README.md").read_text())
    assert match, "README.md needs the block between <!-- diagram:prod --> and <!-- /diagram:prod -->"
    assert match.group(1) == prod_diagram(), "refresh it: python -m infra diagram --stack prod"
