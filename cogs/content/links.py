"""Links in a post: found, tagged with UTM parameters, and (the seam) made into tracked links.

Until the core's link shortener lands (`/l/<id>`, counted by the metrics), a post's links are
stored in `content_links` with their UTM tags, so clicks can be tracked once it does:
`tracked_url` is the one place the shortener will be called.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


def tracked_url(link_id: int, tagged: str) -> str:
    """The address members see for link `link_id`: the seam for the core's shortener.

    Today the tagged address itself (its clicks land with the UTM tags in the site's analytics);
    once `/l/<id>` lands, this returns the short link that counts the click first.
    """
    del link_id  # the shortener will key the short link by it
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
