"""Moved: the neutral messages now live in bot.outbox_keys, bot.link_labels,
bot.thread_notes, bot.citations, bot.alert_text, bot.notice_text and bot.digest_text.

A stop-gap while the importers move to the new homes; removed once none is left."""

# ruff: noqa: F401
from bot.outbox_keys import (
    alert_key,
    digest_key,
    legacy_notice_key,
    notice_key,
)
from bot.link_labels import (
    MAX_LINKS,
    honest_label,
    message_links,
)
from bot.thread_notes import (
    FACT_MARKER,
    THREAD_NOTE_MAX,
    fact_beyond,
    fact_digest,
    fact_text,
    note_facts,
    shown_facts,
    with_fact,
)
from bot.citations import (
    ALERT_BODY_MAX,
    citation_numbers,
    cited_links,
    cited_summary,
    marker_numbers,
    report_numbers,
    shorten_prose,
    shorten_sentences,
)
from bot.alert_text import (
    LEAD_NEWS_SHARE,
    RESTATED_SHARE,
    added_fact,
    alert_message,
    leads_with_news,
    revised_fact,
)
from bot.notice_text import (
    NOTICE_BODY_MAX,
    NoticeParts,
    notice_body,
    notice_message,
)
from bot.digest_text import (
    DIGEST_BODY_MAX,
    DIGEST_FACT_MAX,
    DIGEST_HEADLINE_MAX,
    DIGEST_LABEL_MAX,
    DIGEST_MAX_LINKS,
    DIGEST_SENTENCE_MAX,
    DIGEST_WHEN,
    DIGEST_WHOLE_SENTENCE_MAX,
    DigestUpdate,
    UPDATES_HEADER,
    UPDATE_LABEL,
    digest_footer,
    digest_line,
    digest_message,
    digest_span,
    digest_update_line,
)
