"""storybot's core: engine, pipeline, scheduler and commands.

Nothing in this package imports a chat SDK, an ORM or an HTTP client; it talks to the
outside through the protocols in :mod:`bot.ports`.
"""

__version__ = "0.1.0"
