"""The store port: see :class:`bot.ports.Store`; its errors and records are here."""
