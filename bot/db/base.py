"""The one declarative Base, with a constraint naming convention Alembic can rely on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use the Clock (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def load_all_models() -> MetaData:
    """Import the core's `bot/db/models*.py` and every `cogs/<feature>/models.py`.

    So Base.metadata knows all tables (Alembic, the drift test), enabled features or not:
    the database has one history whatever the config loads.
    """
    import importlib
    import pkgutil

    import bot.db
    from bot.core.discovery import FEATURES_PACKAGE, feature_dirs

    for module in pkgutil.iter_modules(bot.db.__path__):
        if module.name.startswith("models"):
            importlib.import_module(f"bot.db.{module.name}")
    for folder in feature_dirs():
        if (folder / "models.py").is_file():
            importlib.import_module(f"{FEATURES_PACKAGE}.{folder.name}.models")
    return Base.metadata
