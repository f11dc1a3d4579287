"""Pulumi component resources of the platform, grouped by concern.

Each concern is a package (``network``, ``security`` ...) with one component per module. A component's
``*Spec`` is the validated, plain-value part of its input (what a stack file can say); its ``*Args``
adds the wiring from other components (ids, ARNs, ``Output``s). Components never read ``pulumi.Config``.
"""
