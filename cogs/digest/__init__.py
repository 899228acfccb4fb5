"""The `digest` cog: the weekly digest, assembled from section providers, with a private preview."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.digest.cog import Digest
from cogs.digest.rules import DigestRules

FEATURE = Feature(
    name="digest",
    rule_files=(RuleFileSpec("rituals.toml", DigestRules, section="digest"),),
    locales=locales_of(__name__),
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Digest(host.services_for(Digest)))
