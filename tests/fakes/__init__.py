"""Fakes at the wire for tests: local servers that play external services."""
