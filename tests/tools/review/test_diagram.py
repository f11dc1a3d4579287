"""The architecture diagram: a Mermaid flowchart, deterministic, and the copies in the docs are current."""

from __future__ import annotations

import re

from tests.conftest import stack_run
from tests.tools.review.conftest import services_run
from tools.preview.runner import ROOT
from tools.review.diagram import flowchart, flowchart_of_projects, nodes


def block(marker: str, document: str) -> str | None:
    """The Mermaid text between ``<!-- marker -->`` and ``<!-- /marker -->`` of ``document``."""
    pattern = rf"<!-- {re.escape(marker)} -->\n```mermaid\n(.*?)\n```\n<!-- /{re.escape(marker)} -->"
    match = re.search(pattern, (ROOT / document).read_text(), re.S)
    return match.group(1) if match else None


def prod_diagram(*, compact: bool = False) -> str:
    """What `python -m tools diagram --stack prod [--components]` prints: both projects, from the cached runs."""
    return flowchart_of_projects(
        [
            ("platform", nodes(stack_run("prod", preview=True).resources)),
            ("services", nodes(services_run("prod").resources)),
        ],
        [("services", "platform")],
        compact=compact,
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


def test_the_review_doc_shows_the_current_prod_diagram():
    shown = block("diagram:prod", "docs/REVIEW.md")
    assert shown is not None, (
        "docs/REVIEW.md needs the block between <!-- diagram:prod --> and <!-- /diagram:prod -->"
    )
    assert shown == prod_diagram(), "refresh it: python -m tools diagram --stack prod"


def test_the_readme_shows_the_current_prod_components():
    shown = block("diagram:prod:components", "README.md")
    assert shown is not None, "README.md needs the block <!-- diagram:prod:components -->"
    assert shown == prod_diagram(compact=True), (
        "refresh it: python -m tools diagram --stack prod --components"
    )


def test_the_compact_diagram_has_one_node_per_component_and_one_edge_line_per_component():
    text = prod_diagram(compact=True)
    assert 'prod_postgres["Postgres prod-postgres"]' in text
    assert "subgraph prod_postgres" not in text
    assert "  prod_postgres --> prod_keys & prod_network" in text
    sources = [line.split(" --> ")[0] for line in text.splitlines() if " --> " in line]
    assert len(sources) == len(set(sources))
