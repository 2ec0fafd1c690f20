"""Who storybot is in its workspace, as bolt asks before it runs a listener.

Given only a bot token, bolt authorizes each request with its single-workspace
middleware, which asks Slack ``auth.test`` on the first request after start, although
:meth:`SlackAdapter.start` has just asked. When that second call failed, the first
``/story`` command was answered "your installation with this app is no longer
available. Please reinstall this app into your workspace" (a 429 or a 5xx: bolt's
answer to any ``SlackApiError`` there), or never acked (a dropped connection), and Slack
showed the user its own error.

:class:`Installation` is an ``AsyncAuthorize`` (bolt's documented ``authorize``
argument takes one) that answers with what ``start`` got from Slack
(``AuthorizeResult.from_auth_test_response``): no command waits on a second call.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient


class Installation(AsyncAuthorize):
    """storybot's bot user and workspace, from the ``auth.test`` its start made.

    Args:
        client: The Web API client holding the bot token; asked only if a request comes
            before :meth:`know` was told (``start`` tells it before it listens).
    """

    def __init__(self, client: AsyncWebClient) -> None:
        super().__init__()
        self._client = client
        self._result: AuthorizeResult | None = None

    def know(self, auth: Any) -> None:
        """Keep an ``auth.test`` answer of the bot token (its ``get``) for every request."""
        self._result = AuthorizeResult.from_auth_test_response(
            bot_token=self._client.token, auth_test_response=auth
        )

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult:
        if self._result is None:
            self.know(await self._client.auth_test())
        assert self._result is not None
        return self._result
