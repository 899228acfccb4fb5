"""The `onboarding` cog: welcome, entry gate, raid guard and the role path."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.onboarding.cog import Onboarding
from cogs.onboarding.path import compile_onboarding
from cogs.onboarding.rules import OnboardingRules

FEATURE = Feature(
    name="onboarding",
    rule_files=(RuleFileSpec("onboarding.toml", OnboardingRules),),
    compilers={"onboarding": compile_onboarding},
    locales=locales_of(__name__),
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Onboarding(host.services_for(Onboarding)))
