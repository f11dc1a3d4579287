"""Encryption keys and secrets of an environment."""
