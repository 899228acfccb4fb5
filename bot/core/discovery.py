"""The one walk of `cogs/`: which feature packages exist, found without importing them.

Its own module, free of imports of ours, because the config (checking `[bot] cogs`), Alembic
(version folders and models) and the feature registry all need it.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

FEATURES_PACKAGE = "cogs"


def feature_names() -> list[str]:
    """Names of the packages under `cogs/`, without importing them."""
    package = importlib.import_module(FEATURES_PACKAGE)
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.ispkg)


def feature_dirs() -> list[Path]:
    """Folders of the packages under `cogs/` (for migrations, which must not import code)."""
    package = importlib.import_module(FEATURES_PACKAGE)
    return [Path(p) / name for p in package.__path__ for name in feature_names()]
