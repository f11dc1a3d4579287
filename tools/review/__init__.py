"""Offline review tools for pull requests: diff of two revisions, guard on a real preview, cost, diagram.

One module per tool; pure logic (``compare``, ``replacements``, ``guard``, ``cost``, ``diagram``,
``report``) apart from I/O (``snapshot`` runs previews of revisions, ``commands`` is the command line).
"""
