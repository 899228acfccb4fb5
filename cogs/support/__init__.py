"""The `support` desk: tickets with an SLA clock in working hours, FAQ answers, help routes."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.support.cog import Support
from cogs.support.faq import FAQ_INDEX, FaqRules, compile_faq
from cogs.support.rules import SupportRules
from cogs.support.safety import SAFETY_INDEX, SafetyRules, compile_safety

FEATURE = Feature(
    name="support",
    rule_files=(
        RuleFileSpec("support.toml", SupportRules),
        RuleFileSpec("faq.toml", FaqRules),
        RuleFileSpec("safety.toml", SafetyRules),
    ),
    # Built with each valid rule set, off the message path.
    compilers={FAQ_INDEX: compile_faq, SAFETY_INDEX: compile_safety},
    locales=locales_of(__name__),
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Support(host.services_for(Support)))
