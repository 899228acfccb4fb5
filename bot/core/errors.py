"""Errors the core raises; each carries a message a person can act on."""

from __future__ import annotations


class KenesError(Exception):
    """Base class for errors Kenes reports to people rather than as tracebacks."""


class UnsupportedAction(KenesError):
    """An adapter was asked to do something its platform cannot do."""

    def __init__(self, platform: str, action: str) -> None:
        super().__init__(
            f"the {platform} adapter cannot perform {action}; "
            f"check ctx.supports({action}) before acting or use the core's emulation"
        )
        self.platform = platform
        self.action = action


class ActionRefused(KenesError):
    """The platform refused an action (missing rights, message too old, hierarchy)."""

    def __init__(self, action: str, reason: str) -> None:
        super().__init__(f"{action} was refused: {reason}")
        self.action = action
        self.reason = reason


class NotReady(KenesError):
    """The platform cannot answer yet (e.g. Discord before the server's channels arrived)."""


class CommandError(KenesError):
    """A command could not run; `key` and `params` name a translated message for the caller."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class ConfigError(KenesError):
    """The configuration file is missing, malformed or has a bad value."""


class FeatureOff(KenesError):
    """A feature's work was asked for in a community where it is switched off (/setup or
    `features_off`). A scheduled job raising it is put aside, not failed: it runs when the
    feature is switched on again."""

    def __init__(self, feature: str, community: str) -> None:
        super().__init__(f"{feature} is switched off in {community}")
        self.feature = feature
        self.community = community
