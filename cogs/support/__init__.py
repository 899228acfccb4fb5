"""The `support` desk: working hours, SLA targets, staff, teams and quick replies."""

from bot.core.cogs import CogHost
from bot.core.features import Feature
from bot.rules.loader import RuleFileSpec
from cogs.support.rules import SupportRules

FEATURE = Feature(
    name="support",
    rule_files=(RuleFileSpec("support.toml", SupportRules),),
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
