"""Web pages to give as seed articles: two articles on one story, and a feed (no article)."""

from __future__ import annotations


def article(headline: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><title>{headline} | Example Times</title>"
        f'<meta property="og:title" content="{headline}"></head><body>'
        f"<nav><a href='/'>Home</a></nav><article><h1>{headline}</h1>{body}</article>"
        "<footer>Copyright Example Times.</footer></body></html>"
    )


CHIPS_1 = article(
    "Chipmakers win new subsidies under the Chips Act",
    "The Commerce Department awarded new grants to three chipmakers on Monday under the "
    "Chips and Science Act, officials said, to build fabrication plants in Arizona and Ohio.",
    "The awards follow months of negotiation over how many jobs each plant must bring and "
    "what share of the profits above projections the companies must return to the government.",
)
CHIPS_2 = article(
    "Chips Act grants draw criticism from lawmakers",
    "Several lawmakers criticised the pace of the Chips Act grants on Tuesday, saying the "
    "Commerce Department had been too slow to release the money to smaller suppliers.",
    "Officials answered that every award needs a due-diligence review of the company's "
    "finances, and that the largest fabrication plants were always going to come first.",
)
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tech news</title><link>http://127.0.0.1/</link>
<item><title>Chips Act grants</title><link>http://127.0.0.1/a</link></item>
</channel></rss>
"""
