"""Feed fetching and parsing: the ``bot.ports.FeedFetcher`` implementation over HTTP."""

from adapters.feeds.errors import FeedParseError
from adapters.feeds.fetcher import HttpFeedFetcher
from adapters.feeds.parse import parse_feed, parse_to_result

__all__ = ["FeedParseError", "HttpFeedFetcher", "parse_feed", "parse_to_result"]
