"""The HTTP (Events API) endpoint: Slack's signed requests in, bolt's answers out.

It does what bolt's ``AsyncSlackAppServer`` does (one POST route handing each request to
``AsyncApp.async_dispatch``), with two corrections to how bolt reads a request:

* The signature is checked first (:func:`signed`), with the check bolt makes itself
  (slack_sdk's ``SignatureVerifier``: the ``v0`` HMAC of the body, a timestamp within five
  minutes), and an unsigned request is answered bolt's 401. Bolt parses the body before
  it checks the signature, and lets what the parse raises out: a JSON body that is not an
  object (``[]``, ``null``), broken JSON, a form whose ``payload`` is either, or bytes
  that are not UTF-8; so does its check, for a timestamp that is not a number (``int()``)
  and a signature with a character beyond ASCII (``hmac.compare_digest``). Each was a 500
  and an ERROR traceback in the log that anyone could cause with one request.
* A form without a ``payload`` field is read as the form it is (:func:`bolt_request`).
  Bolt takes any form body holding the letters "payload" anywhere for an interactivity
  request (``payload={json}``) and, finding no such field, reads it as empty: a slash
  command with "payload" in its text, its channel's name or its user's name matched no
  listener, was answered 404 and never run ("/story failed with the error
  dispatch_failed" in Slack). Socket Mode is not affected: its payloads arrive parsed.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

UNSIGNED = {"error": "invalid request"}  # bolt's answer to an unsigned request


def events_app(app: AsyncApp, path: str, signing_secret: str) -> web.Application:
    """An aiohttp application taking Slack's requests at ``path`` for the bolt ``app``.

    Args:
        app: The bolt app that answers the requests.
        path: Where Slack posts commands and events (``[slack] http_path``).
        signing_secret: The app's signing secret (``SLACK_SIGNING_SECRET``).
    """
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.StreamResponse:
        if not await signed(request, verifier):
            return web.json_response(UNSIGNED, status=401)
        answer = await app.async_dispatch(await bolt_request(request))
        return await to_aiohttp_response(answer)

    web_app = web.Application()
    web_app.add_routes([web.post(path, handle)])
    return web_app


async def signed(request: web.Request, verifier: SignatureVerifier) -> bool:
    """Whether Slack signed ``request``: the check bolt makes, never raising."""
    try:
        return verifier.is_valid(
            body=await request.text(),  # as bolt's aiohttp adapter reads it
            timestamp=request.headers.get("X-Slack-Request-Timestamp"),
            signature=request.headers.get("X-Slack-Signature"),
        )
    except (ValueError, TypeError):  # UnicodeDecodeError is a ValueError
        return False


async def bolt_request(request: web.Request) -> AsyncBoltRequest:
    """Bolt's request for ``request``, a form without a ``payload`` field read as a form."""
    bolt = await to_bolt_request(request)
    form = _form_bolt_misread(bolt.raw_body, bolt.content_type)
    if form is not None:
        bolt.body = form
        bolt.context = build_async_context(AsyncBoltContext({}), form)
    return bolt


def _form_bolt_misread(raw: str, content_type: str | None) -> dict[str, str] | None:
    """The fields of a form body bolt reads as empty, or None if bolt reads it right.

    Bolt (``slack_bolt.request.internals.parse_body``) reads a body that is not JSON and
    holds "payload" anywhere as ``payload=<json>``, and as ``{}`` when there is no such
    field.
    """
    if content_type == "application/json" or raw.startswith("{") or "payload" not in raw:
        return None
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    return None if "payload" in fields else fields
