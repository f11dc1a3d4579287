"""The offline preview hands the program exactly the config the Pulumi engine would.

The engine's rules (pulumi/pulumi ``sdk/go/common/resource/config``: ``object.go`` ``MarshalString``,
``plaintext.go`` ``marshalText``): a top-level string as written, a top-level boolean or number as JSON
text, a mapping or list as JSON that keeps every nested type; ``secure:`` values decrypted in place.
The program then reads it through the Pulumi SDK's own ``Config``, which these tests use too.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from ruamel.yaml import YAML

from settings import stackfile, stacks
from tests.conftest import STACKS
from tools.preview import runner


def expected_after_engine(value: Any) -> Any:
    """The YAML value with secure leaves decrypted (to the placeholder), every other type kept."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return stackfile.SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {str(k): expected_after_engine(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expected_after_engine(v) for v in value]
    return value


def same_types(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_types(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return (
            isinstance(b, list)
            and len(a) == len(b)
            and all(same_types(x, y) for x, y in zip(a, b, strict=True))
        )
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("stack", STACKS)
def test_every_key_of_every_stack_file_reaches_the_program_as_the_engine_passes_it(stack):
    document = YAML(typ="safe").load((runner.ROOT / "infra" / f"Pulumi.{stack}.yaml").read_text())
    handed = stacks.read(stack)
    assert handed.config.keys() == document["config"].keys()
    for key, value in document["config"].items():
        text = handed.config[key]
        if isinstance(value, str):
            assert text == value
        elif isinstance(value, bool):
            assert text == ("true" if value else "false")
        elif isinstance(value, int | float):
            assert json.loads(text) == value
        else:
            assert same_types(json.loads(text), expected_after_engine(value)), key


@pytest.mark.parametrize("stack", STACKS)
def test_the_sdk_config_reader_sees_the_stack_files_typed_values(stack, mock_runtime):
    document = YAML(typ="safe").load((runner.ROOT / "infra" / f"Pulumi.{stack}.yaml").read_text())
    handed = stacks.read(stack)
    pulumi.runtime.set_all_config(handed.config, handed.secret_keys)
    config = pulumi.Config("platform")
    for key, value in document["config"].items():
        namespace, name = key.split(":", 1)
        if namespace != "platform" or not isinstance(value, dict | list):
            continue
        assert same_types(config.get_object(name), expected_after_engine(value)), key


@pytest.mark.parametrize(
    ("yaml_value", "handed"),
    [
        ("true", "true"),
        ("7", "7"),
        ("1.34", "1.34"),
        ("1.0", "1"),  # Go writes an integral float64 without a fraction
        ('"1.34"', "1.34"),
        ("{a: 1.34, b: true, c: [1, '2']}", '{"a":1.34,"b":true,"c":[1,"2"]}'),
        ("{a: {secure: AAAA}}", '{"a":"offline-preview-secret"}'),
        ("{secure: AAAA}", "offline-preview-secret"),
        ("{1: x, 2.5: y}", '{"1":"x","2.5":"y"}'),
    ],
)
def test_values_are_marshalled_like_the_engine(yaml_value, handed):
    doc = stackfile.parse_document(f"config:\n  platform:x: {yaml_value}\n", "Pulumi.t.yaml", "t")
    assert stackfile.host_config(doc).config["platform:x"] == handed


def test_nested_numbers_and_booleans_keep_their_type():
    doc = stackfile.parse_document(
        "config:\n  platform:cluster:\n    kubernetesVersion: 1.34\n    endpoint: {publicAccess: false}\n",
        "Pulumi.t.yaml",
        "t",
    )
    value = json.loads(stackfile.host_config(doc).config["platform:cluster"])
    assert value == {"kubernetesVersion": 1.34, "endpoint": {"publicAccess": False}}
    assert isinstance(value["kubernetesVersion"], float)


STACK_FILES = sorted(
    p.relative_to(runner.ROOT)
    for directory in (runner.ROOT / "infra", runner.ROOT / "services", runner.ROOT / "bootstrap")
    for p in directory.glob("Pulumi.*.yaml")
)


@pytest.mark.parametrize("path", STACK_FILES, ids=str)
def test_a_stack_file_is_scanned_once_and_read_as_ruamel_reads_it(path, monkeypatch):
    """The reader composes the text once (for the duplicate-key check) and builds the document from
    that node, instead of scanning the text a second time; the document is what ``YAML.load`` gives."""
    text = (runner.ROOT / path).read_text()
    expected = YAML(typ="safe", pure=True).load(text)
    composed: list[str] = []
    compose = YAML.compose

    def counted(self: YAML, stream: Any) -> Any:
        composed.append(stream)
        return compose(self, stream)

    def no_second_scan(self: YAML, stream: Any) -> Any:
        raise AssertionError("the text was scanned a second time")

    monkeypatch.setattr(YAML, "compose", counted)
    monkeypatch.setattr(YAML, "load", no_second_scan)
    stackfile._parse_once.cache_clear()
    document = stackfile.parse_document(text, path.name, "t")
    assert composed == [text]
    assert repr(document) == repr(expected)
