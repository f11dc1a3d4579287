"""Feature flags: types, tiers, experiments and AppConfig's document (pure)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components.apps.flags import FlagSpec, appconfig_content, flag_problems
from components.core.tier import Tier


def flag(**fields) -> FlagSpec:
    return FlagSpec.model_validate(
        {"type": "boolean", "defaults": {"dev": True, "staging": False, "prod": False}, **fields}
    )


def test_a_value_of_the_wrong_type_is_a_problem_naming_key_and_value():
    problems = flag_problems({"max-upload-mb": flag(type="number", value="big")}, Tier.DEV)
    assert ("flags.max-upload-mb.value", "max-upload-mb is a number flag; got 'big' (str)") in problems


def test_an_experimental_flag_on_in_prod_is_refused_but_allowed_in_dev():
    flags = {"new-editor": flag(experimental=True, value=True)}
    assert flag_problems(flags, Tier.DEV) == []
    ((key, message),) = flag_problems(flags, Tier.PROD)
    assert key == "flags.new-editor.value"
    assert "experimental" in message
    assert "got True" in message


def test_an_unknown_flag_read_by_a_service_is_refused():
    ((key, message),) = flag_problems({"a": flag()}, Tier.DEV, {"gateway": ("a", "nope")})
    assert key == "apps.gateway.flags[1]"
    assert "unknown flag 'nope'" in message


def test_every_tier_needs_a_default_and_expiring_flags_are_off_booleans():
    with pytest.raises(ValidationError, match="missing prod"):
        FlagSpec.model_validate({"type": "boolean", "defaults": {"dev": True, "staging": True}})
    with pytest.raises(ValidationError, match="off by default"):
        flag(expires=True)


def test_appconfig_document_has_the_tiers_values_and_an_until_attribute_on_expiring_flags():
    flags = {
        "new-editor": flag(),
        "max-upload-mb": flag(type="number", defaults={"dev": 50, "staging": 50, "prod": 20}),
        "pause-enqueue": flag(expires=True, defaults={"dev": False, "staging": False, "prod": False}),
    }
    doc = json.loads(appconfig_content(flags, Tier.PROD))
    assert doc["version"] == "1"
    assert doc["values"] == {
        "max-upload-mb": {"enabled": True, "value": 20},
        "new-editor": {"enabled": False},
        "pause-enqueue": {"enabled": False},
    }
    assert doc["flags"]["pause-enqueue"]["attributes"]["until"]["constraints"]["type"] == "string"
