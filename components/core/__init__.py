"""Shared building blocks: the spec base model, tiers, tags and small value types."""
