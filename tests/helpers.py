"""Queries over recorded resources, shared by the tests."""

from __future__ import annotations

import json
from typing import Any

from tools.preview.mocks import Recorded, unwrap


def of_type(resources: list[Recorded], type_: str) -> list[Recorded]:
    """The resources of one type token, e.g. ``aws:ec2/subnet:Subnet``."""
    return [r for r in resources if r.type == type_]


def one(resources: list[Recorded], type_: str, name: str | None = None) -> Recorded:
    """The single resource of ``type_`` (and ``name``); fails the test if there is not exactly one."""
    found = [r for r in of_type(resources, type_) if name is None or r.name == name]
    assert len(found) == 1, f"expected one {type_} {name or ''}, found {[r.name for r in found]}"
    return found[0]


def named(resources: list[Recorded], name: str) -> Recorded:
    found = [r for r in resources if r.name == name]
    assert len(found) == 1, f"expected one resource named {name}, found {len(found)}"
    return found[0]


def children_of(resources: list[Recorded], parent: Recorded) -> list[Recorded]:
    return [r for r in resources if r.parent == parent.urn]


def inputs(resource: Recorded) -> dict[str, Any]:
    """The resource's inputs with secret wrappers removed."""
    return {k: unwrap(v) for k, v in resource.inputs.items()}


def policy(resource: Recorded, key: str = "policy") -> dict[str, Any]:
    """A JSON policy input parsed into a dict."""
    return json.loads(unwrap(resource.inputs[key]))
