"""Adapters: translators between the outside world (HTTP, chat platforms, files) and the core."""
