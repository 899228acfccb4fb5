"""The pre-publication checklist and how a post reads in each community it goes to.

Hard errors (a language missing, a text too long for the platform) are raised as CommandError:
nothing can override them. Checklist problems (no next step, an unmarked ad, no one named to
answer, media without alt text, a long text without a summary) block scheduling unless an admin
overrides them with a logged reason. Rhythm findings are warnings only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.adapters.text import text_limit
from bot.core.errors import CommandError
from bot.core.published import AdLabelling
from bot.core.refs import CommunityRef
from bot.i18n import t
from cogs.content.links import looks_affiliate
from cogs.content.models import ContentPost
from cogs.content.rules import ContentRules

# Next steps that invite questions, so the post must say who answers and by when.
ASKS = ("question", "thread")
LANGUAGE_ORDER = ("kk", "ru", "en")


@dataclass(frozen=True)
class Target:
    """A community a post goes to, in its language."""

    ref: CommunityRef
    locale: str


@dataclass(frozen=True)
class Finding:
    """A checklist line: a locale key and its parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)

    def text(self, locale: str) -> str:
        return t(locale, self.key, **self.params)


def languages(targets: list[Target], rules: ContentRules) -> list[str]:
    """The languages a post must be written in: its communities' own, then the required ones."""
    found = [target.locale for target in targets] + list(rules.languages)
    return [locale for locale in LANGUAGE_ORDER if locale in found]


def missing_language(post: ContentPost, needed: list[str]) -> None:
    """CommandError naming the first language the post lacks."""
    for locale in needed:
        if not post.texts.get(locale, "").strip():
            raise CommandError(
                "content.errors.language",
                id=post.id,
                language=locale,
                languages=", ".join(needed),
            )


def body(post: ContentPost, needed: list[str]) -> str:
    """The post's own words: each needed language in turn."""
    return "\n\n".join(post.texts[locale].strip() for locale in needed if post.texts.get(locale))


def all_text(post: ContentPost) -> str:
    return "\n".join(post.texts.values())


def problems(
    post: ContentPost,
    rules: ContentRules,
    labelling: AdLabelling | None,
    sla: str | None,
    hint: str,
) -> list[Finding]:
    """What blocks scheduling until fixed (or overridden by an admin with a reason)."""
    found: list[Finding] = []
    text = all_text(post)
    if post.step_kind is None:
        found.append(Finding("content.check.no_step", {"id": post.id, "hint": hint}))
    if not post.sponsored and (
        looks_affiliate(text) or (labelling is not None and labelling.needs_label(text))
    ):
        found.append(Finding("content.check.ad", {"id": post.id}))
    if post.step_kind in ASKS and not sla:
        found.append(Finding("content.check.no_sla", {"id": post.id}))
    if post.media and not post.alt.strip():
        found.append(Finding("content.check.no_alt", {"id": post.id}))
    for locale, words in sorted(post.texts.items()):
        if len(words) > rules.long_text:
            first = words.strip().split("\n\n", 1)[0]
            if len(first) > rules.summary_length or first == words.strip():
                found.append(
                    Finding(
                        "content.check.no_summary",
                        {"id": post.id, "language": locale, "limit": rules.summary_length},
                    )
                )
    return found


def rhythm(
    post: ContentPost,
    rules: ContentRules,
    heavy: bool,
    before: list[tuple[datetime, bool]],
    same_day: int,
) -> list[Finding]:
    """Warnings: too many heavy posts in a row, too many posts on one day in the chat.

    `before` is the chat's posts scheduled before this one (time, heavy), oldest first;
    `same_day` how many are on the same local day.
    """
    found: list[Finding] = []
    if heavy:
        run = 1
        for _, was_heavy in reversed(before):
            if not was_heavy:
                break
            run += 1
        if run >= rules.heavy_in_a_row:
            found.append(Finding("content.check.heavy", {"id": post.id, "count": run}))
    if same_day + 1 > rules.posts_per_day:
        found.append(
            Finding(
                "content.check.busy_day",
                {"id": post.id, "count": same_day + 1, "limit": rules.posts_per_day},
            )
        )
    return found


def check_length(post: ContentPost, ref: CommunityRef, text: str) -> None:
    """CommandError when `text` does not fit in one message on the community's platform."""
    limit = text_limit(ref.platform)
    if limit is not None and len(text) > limit:
        raise CommandError(
            "content.errors.too_long",
            id=post.id,
            length=len(text),
            platform=ref.platform.capitalize(),
            limit=limit,
        )
