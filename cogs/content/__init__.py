"""The `content` feature: the team's posts planned, checked and scheduled; debates, challenges
and the UGC showcase."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.content.cog import Content
from cogs.content.folder import COMPILED, compile_folder
from cogs.content.rules import ContentRules

FEATURE = Feature(
    name="content",
    rule_files=(RuleFileSpec("content.toml", ContentRules),),
    # `rules/content/posts/*.toml`, one post per file (cogs/content/folder.py).
    compilers={COMPILED: compile_folder},
    locales=locales_of(__name__),
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Content(host.services_for(Content)))
