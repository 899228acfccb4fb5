"""The `federation` cog: bans shared across a team's communities, CAS lookups, ban lists."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.federation.banlist import BANS_COMMAND
from cogs.federation.cog import Federations
from cogs.federation.rules import CasRules, FederationRules

FEATURE = Feature(
    name="federation",
    # One file, two tables: `[federation]` and `[cas]`.
    rule_files=(
        RuleFileSpec("federation.toml", FederationRules, section="federation"),
        RuleFileSpec("federation.toml", CasRules, section="cas"),
    ),
    locales=locales_of(__name__),
    cli=(BANS_COMMAND,),
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Federations(host.services))
