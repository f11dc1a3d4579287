"""The CrossGuard policy pack: ``pulumi preview --policy-pack policy`` (runs in the repository's venv).

Every rule is mandatory. The rules themselves are plain functions in this package; the offline preview
(``python -m tools preview``) runs the same ones.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from policy.crossguard import PACK_NAME, policies

PolicyPack(name=PACK_NAME, policies=policies(), enforcement_level=EnforcementLevel.MANDATORY)
