"""Stack files, the stack registry and typed, validated settings: what every program and tool reads.

Bottom to top: ``stackfile`` (reading a ``Pulumi.<stack>.yaml``), ``stacks`` (the registry), ``schema``
(what a stack file may say), ``guardrails`` (pure checks over the schema), ``config`` (settings). Imports
``components`` (each component owns its spec) and nothing above: no program, no tool.
"""
