"""Discord chat adapter: ``/story`` application commands and alert delivery via discord.py.

The package is not called ``discord`` so that ``import discord`` always means discord.py.
"""

from adapters.discord_chat.adapter import DiscordAdapter
from adapters.discord_chat.sync import sync_commands

__all__ = ["DiscordAdapter", "sync_commands"]
