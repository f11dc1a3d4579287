"""The platform's policy as code: plain rules over (type, inputs, options) of resources.

The same rules run in two places: the CrossGuard policy pack (``pulumi preview --policy-pack policy``,
``policy/__main__.py``) and the offline preview (``tools/preview/policy.py``), which evaluates them over
the resources the program registered under mocks. Nothing here imports Pulumi.
"""
