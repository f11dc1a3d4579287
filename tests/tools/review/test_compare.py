"""Comparing two preview documents: ops by URN, changed paths, secrets/unknowns, components, danger."""

from __future__ import annotations

from tools.review.compare import Op, changed_paths, compare
from tools.review.report import as_markdown

STACK = "urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod"


def resource(name: str, type_: str, inputs: dict, parent: str | None = STACK, protect: bool = False) -> dict:
    prefix = "" if parent == STACK or parent is None else parent.split("::")[2] + "$"
    return {
        "urn": f"urn:pulumi:prod::platform::{prefix}{type_}::{name}",
        "type": type_,
        "name": name,
        "parent": parent,
        "inputs": inputs,
        "protect": protect,
    }


POSTGRES = resource("db", "platform:data:Postgres", {})
BUCKETS = resource("bk", "platform:data:Buckets", {})


def base_doc() -> dict:
    return {
        "resources": [
            POSTGRES,
            BUCKETS,
            resource(
                "db",
                "aws:rds/instance:Instance",
                {"instanceClass": "db.t4g.medium", "password": "[secret]"},
                POSTGRES["urn"],
                True,
            ),
            resource("logs", "aws:s3/bucket:Bucket", {"bucket": "logs-1"}, BUCKETS["urn"]),
            resource("old", "aws:sns/topic:Topic", {"name": "old"}),
        ]
    }


def test_changed_paths_name_the_leaf_that_changed_with_old_and_new_values():
    changes = changed_paths({"a": {"b": [1, {"c": "x"}]}, "d": 1}, {"a": {"b": [1, {"c": "y"}]}, "d": 1})
    assert [(c.path, c.old, c.new) for c in changes] == [("a.b[1].c", "x", "y")]


def test_a_list_of_another_length_is_reported_whole():
    assert [(c.path, c.old, c.new) for c in changed_paths({"l": [1]}, {"l": [1, 2]})] == [("l", [1], [1, 2])]


def test_secrets_and_unknowns_compare_as_their_placeholders():
    # Two secrets (or two unknowns) cannot be told apart offline: no change is claimed.
    assert changed_paths({"p": "[secret]", "id": "[unknown]"}, {"p": "[secret]", "id": "[unknown]"}) == []
    (change,) = changed_paths({"p": "plain"}, {"p": "[secret]"})
    assert change.new == "[secret]"


def test_an_object_printed_by_address_is_not_a_change():
    old = {"code": "<pulumi.asset.AssetArchive object at 0x7fdb15b111d0>"}
    assert changed_paths(old, {"code": "<pulumi.asset.AssetArchive object at 0x7fd6da6e0cd0>"}) == []


def test_ops_by_urn_and_components_first():
    head = base_doc()
    head["resources"][2] = {
        **head["resources"][2],
        "inputs": {"instanceClass": "db.r6g.large", "password": "[secret]"},
    }
    head["resources"].pop(4)  # topic deleted
    head["resources"].append(resource("new", "aws:sns/topic:Topic", {"name": "new"}))
    diff = compare(base_doc(), head)
    ops = {r.name: r.op for r in diff.resources if r.type == "aws:sns/topic:Topic"}
    assert ops == {"old": Op.DELETE, "new": Op.CREATE}
    (update,) = [r for r in diff.resources if r.op is Op.UPDATE]
    assert update.component == "db (platform:data:Postgres)"
    assert [(c.path, c.old, c.new) for c in update.changes] == [
        ("instanceClass", "db.t4g.medium", "db.r6g.large")
    ]
    assert diff.summary == {"create": 1, "delete": 1, "update": 1, "replace": 0, "same": 3}
    assert diff.by_component()["db (platform:data:Postgres)"]["update"] == 1
    assert not diff.danger, "an in-place update of a protected database is not a danger"


def test_deleting_a_protected_or_stateful_resource_is_a_danger():
    head = base_doc()
    head["resources"] = [r for r in head["resources"] if r["type"] != "aws:s3/bucket:Bucket"]
    diff = compare(base_doc(), head)
    assert [(r.name, r.op) for r in diff.danger] == [("logs", Op.DELETE)]


def test_a_predicted_replacement_of_a_protected_database_is_a_danger_with_its_reason():
    head = base_doc()
    head["resources"][2] = {
        **head["resources"][2],
        "inputs": {**head["resources"][2]["inputs"], "storageEncrypted": True},
    }
    diff = compare(base_doc(), head)
    (danger,) = diff.danger
    assert danger.op is Op.REPLACE
    assert danger.replace_reasons == ("storageEncrypted",)


def test_markdown_puts_the_danger_first_and_collapses_each_component():
    head = base_doc()
    head["resources"] = [r for r in head["resources"] if r["type"] != "aws:s3/bucket:Bucket"]
    text = as_markdown(
        compare(base_doc(), head), stack="prod", project=None, base="main", head="working tree"
    )
    assert text.index("[!CAUTION]") < text.index("to create")
    assert "<details><summary>bk (platform:data:Buckets): -1</summary>" in text
    assert "- **delete** `logs` (`aws:s3/bucket:Bucket`)" in text


def test_named_list_entries_are_matched_by_name():
    old = {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
    new = {"env": [{"name": "B", "value": "3"}]}
    assert [(c.path, c.old, c.new) for c in changed_paths(old, new)] == [
        ("env[A]", {"name": "A", "value": "1"}, None),
        ("env[B].value", "2", "3"),
    ]


def test_markdown_shows_the_new_architecture_when_given():
    text = as_markdown(
        compare(base_doc(), base_doc()),
        stack="prod",
        project=None,
        base="main",
        head="working tree",
        diagram="flowchart LR",
    )
    assert "```mermaid\nflowchart LR\n```" in text
