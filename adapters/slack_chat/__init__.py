"""Slack front end: ``SlackAdapter`` (bolt ``AsyncApp``, Socket Mode or HTTP)."""

from adapters.slack_chat.adapter import SlackAdapter

__all__ = ["SlackAdapter"]
