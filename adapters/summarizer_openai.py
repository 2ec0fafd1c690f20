"""An OpenAI-compatible Chat Completions client as storybot's optional summarizer.

Speaks ``POST {url}/chat/completions`` (OpenAI's API and the servers that copy it: vLLM,
llama.cpp's server, Ollama's ``/v1``), so switching provider means changing ``url``,
``model`` and the key only. The prompt gives the model the alert's extractive sentences
with their link markers and asks for a short update that uses those facts only and cites
them with the same markers; :mod:`bot.summarizer` checks the answer and falls back to the
extractive summary when it is unusable or the call fails.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from bot.ports import SummaryRequest
from bot.render import shown_url

# A chat completion of a few sentences is a few kB; a body past this (an endpoint that
# streams for ever, a proxy's error page of a download) is refused, not held in memory.
MAX_RESPONSE_BYTES = 1 << 20

SYSTEM_PROMPT = (
    "You write short update alerts for a team that follows one news story. You get the "
    "sentences that reports of one new development said, each with the marker of its "
    "source such as [1]. Write at most {max_words} words of plain text saying what is new. "
    "Use only facts stated in those sentences; add nothing. After each fact put the marker "
    "of the source it came from, exactly as given (for example [2]). No headline, no list, "
    "no preamble."
)


class SummarizerError(Exception):
    """The API refused or gave an answer that is not a chat completion."""


def chat_messages(request: SummaryRequest) -> list[dict[str, str]]:
    """The system and user messages for one request."""
    lines = []
    for sentence, marker, source in request.sentences:
        tag = f"[{marker}]" if marker is not None else "[no link]"
        label = f" ({source})" if source else ""
        lines.append(f"{tag}{label} {sentence}")
    user = "\n".join(
        [
            f"Story: {request.story or 'unnamed'}",
            f"Development: {request.headline}",
            "Source sentences:",
            *lines,
        ]
    )
    return [
        {"role": "system", "content": SYSTEM_PROMPT.format(max_words=request.max_words)},
        {"role": "user", "content": user},
    ]


class OpenAICompatibleSummarizer:
    """Rewrites alert summaries through a Chat Completions API."""

    def __init__(
        self,
        url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 20,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.endpoint = url.rstrip("/") + "/chat/completions"
        self._shown = shown_url(self.endpoint)  # what errors (and so logs) say: no key
        self.model = model
        self.name = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    async def summarise(self, request: SummaryRequest) -> str:
        """One chat completion; its text.

        Raises:
            SummarizerError: a non-2xx answer (status and the start of its body) or a body
                that is not a chat completion.
            httpx.HTTPError: the connection failed or timed out.
        """
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": chat_messages(request),
            "temperature": 0.2,
            "max_tokens": 4 * request.max_words,
        }
        async with self._client.stream(
            "POST", self.endpoint, json=payload, headers=self._headers
        ) as response:
            body = await self._read_capped(response)
        text = body.decode(response.encoding or "utf-8", errors="replace")
        if response.status_code >= 300:
            raise SummarizerError(
                f"{self._shown} answered HTTP {response.status_code}: {text[:200]}"
            )
        try:
            content = json.loads(text)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise SummarizerError(
                f"{self._shown} did not answer with a chat completion: {text[:200]}"
            ) from exc
        if not isinstance(content, str):
            raise SummarizerError(f"{self._shown} answered with no text")
        return content

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """The body, or SummarizerError past MAX_RESPONSE_BYTES (read no further)."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise SummarizerError(
                    f"{self._shown} answered more than {MAX_RESPONSE_BYTES >> 20} MiB: "
                    "not a chat completion of a few sentences"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        await self._client.aclose()
