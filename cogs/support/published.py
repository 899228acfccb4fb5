"""What the support desk publishes for other features: the ad label rule and the SLA line.

The content feature's pre-publication checklist asks both by name: whether a post needs a
visible ad label (and which), and who answers questions a post invites, by when.
"""

from __future__ import annotations

from bot.core.published import AdLabelling, Published
from bot.core.refs import CommunityRef
from bot.i18n import t
from bot.services import Services
from cogs.support.rules import WEEKDAYS, SupportRules
from cogs.support.safety import SafetyRules, needs_ad_label


class SupportPublished:
    def __init__(self, services: Services) -> None:
        self._services = services
        self.ad_labelling = AdLabelling(label=self.ad_label, needs_label=self.needs_label)
        # One bound method, so detach withdraws exactly what attach published.
        self._sla = self.sla_line

    def attach(self, published: Published) -> None:
        published.ad_labels.add("support", self.ad_labelling)
        published.sla.add("support", self._sla)

    def detach(self, published: Published) -> None:
        published.ad_labels.remove("support", only=self.ad_labelling)
        published.sla.remove("support", only=self._sla)

    def ad_label(self, locale: str) -> str:
        return self._services.rules.current.get(SafetyRules).ad_label.visible.get(locale)

    def needs_label(self, text: str) -> bool:
        return needs_ad_label(self._services.rules.current.get(SafetyRules), text)

    def sla_line(self, ref: CommunityRef, locale: str) -> str | None:
        """ "The support team answers within 2 hours, Monday–Friday 09:00-18:00 (Asia/Almaty)"."""
        rules = self._services.rules.current.get(SupportRules)
        target = rules.targets.of(rules.default_priority).get("first_response")
        hours = rules.hours
        # Consecutive days with the same hours read as one span: "Monday–Friday 09:00-18:00".
        spans: list[tuple[int, int, str]] = []
        for index, day in enumerate(WEEKDAYS):
            value = getattr(hours, day)
            if not value:
                continue
            if spans and spans[-1][1] == index - 1 and spans[-1][2] == value:
                spans[-1] = (spans[-1][0], index, value)
            else:
                spans.append((index, index, value))
        parts = []
        for first, last, value in spans:
            days = t(locale, f"support.weekdays.{WEEKDAYS[first]}")
            if last != first:
                days += "–" + t(locale, f"support.weekdays.{WEEKDAYS[last]}")
            parts.append(f"{days} {value}")
        zone = hours.timezone or self._services.config.community(ref).timezone
        return t(
            locale, "support.published.sla", target=target, schedule=", ".join(parts), zone=zone
        )
