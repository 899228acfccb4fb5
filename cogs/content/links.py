"""Links in a post: found, tagged with UTM parameters, and made into tracked links.

A post's links are stored in `content_links` with this feature's UTM tags (its rubric is the
campaign), and `tracked_url` gives each to the core's shortener (`/l/<id>`, whose clicks the
metrics count). The UTM tags are added here only: the shortener's own `[web.utm]` tagging keeps
tags a link already has, so a post's link is never tagged twice.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.web.links import Links
from cogs.content.rules import Utm

# A bare http(s) address; trailing punctuation of the sentence is not part of it.
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]}»]")
# Query keys and path words affiliate programmes use; a post carrying one is an ad until marked.
_AFFILIATE_KEYS = frozenset(
    {"ref", "aff", "affid", "affiliate", "partner", "promo", "promocode", "coupon", "refid"}
)
_AFFILIATE_PATH = re.compile(r"/(?:ref|aff|affiliate|partners?)/", re.IGNORECASE)
# Written promo codes: "promo code SAVE20", "промокод: KENES10".
_PROMO_CODE = re.compile(r"(?:promo\s*code|промокод|купон|coupon)\W{0,3}[A-Z0-9]{4,}", re.I)


def find_links(text: str) -> list[str]:
    """Every distinct link in `text`, in order of appearance."""
    seen: dict[str, None] = {}
    for match in URL.finditer(text):
        seen.setdefault(match.group(0), None)
    return list(seen)


def with_utm(url: str, utm: Utm, rubric: str) -> str:
    """`url` with utm_source/medium/campaign added (tags the author set are kept)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    tags = {
        "utm_source": utm.source,
        "utm_medium": utm.medium,
        "utm_campaign": utm.campaign.replace("{rubric}", rubric),
    }
    query += [(key, value) for key, value in tags.items() if key not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


async def tracked_url(links: Links, community_id: int, post_id: int, tagged: str) -> str:
    """The address members see for a post's (UTM-tagged) link: `/l/<id>` while the web server
    is on, the tagged link itself while it is off (the shortener gives it back unchanged)."""
    try:
        return await links.shorten(community_id, tagged, f"post:{post_id}")
    except ValueError:  # too long or odd for `/l/` to redirect to: posted as it is
        return tagged


def looks_affiliate(text: str) -> bool:
    """Whether `text` has an affiliate-looking link or a written promo code."""
    if _PROMO_CODE.search(text):
        return True
    for url in find_links(text):
        parts = urlsplit(url)
        keys = {key.casefold() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
        if keys & _AFFILIATE_KEYS or _AFFILIATE_PATH.search(parts.path):
            return True
    return False
