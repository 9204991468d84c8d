"""Rate-limit counters every worker shares: Redis when REDIS_URL is set, else the database.

Flask-Limiter's default memory:// storage counts in each worker on its own, so with four
gunicorn workers an address got four times its login attempts. Without Redis the counters
live in the app's own database (table rate_limit_counters, one row per key and window),
through this limits storage; its own small engine commits each hit at once, outside the
request's transaction. The tests keep memory:// (config.TestingConfig) and test this storage
directly.
"""

import time
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.globals import request_ctx
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import Base
from app.models import RateLimitCounter

# config.py's RATELIMIT_STORAGE_URI when REDIS_URL is not set: resolved at start-up to the
# app's own database (a test or tool that passes SQLALCHEMY_DATABASE_URI gets that one).
DATABASE = "database"
SCHEME = "stride+"

_TABLE: sa.Table = RateLimitCounter.__table__  # type: ignore[assignment]


def resolve_storage(app: Flask) -> None:
    """Point RATELIMIT_STORAGE_URI at the app's database when it says "database"."""
    if app.config.get("RATELIMIT_STORAGE_URI") == DATABASE:
        app.config["RATELIMIT_STORAGE_URI"] = SCHEME + app.config["SQLALCHEMY_DATABASE_URI"]


def check_only_limited_views(app: Flask) -> None:
    """Drop Flask-Limiter's check before every request when no limit applies to every request.

    The limits are on the login and invite views, whose decorators check them as the view is
    called; with no application, default, meta or blueprint limits, the check Flask-Limiter
    adds before every request (the day page's, the sync's) finds nothing to count. Call it
    after the blueprints are registered (a blueprint limit is one of those).
    """
    from app.extensions import limiter

    manager = limiter.limit_manager
    if (
        manager.application_limits
        or manager.default_limits
        or manager._blueprint_limits  # no public reader; {} unless limiter.limit(bp) was used
        or limiter._meta_limits
    ):
        return
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [h for h in hooks if h != limiter._check_request_limit]
    _only_where_a_limit_ran(app.after_request_funcs)
    _only_where_a_limit_ran(app.teardown_request_funcs)


def _only_where_a_limit_ran(funcs: dict[Any, list[Any]]) -> None:
    """Run Flask-Limiter's after-request and teardown hooks only in a request a limit ran in.

    They add the X-RateLimit headers, deduct a failed login from the lockout limit
    (deduct_when) and reset the limiter's state of the request; a view without a limit has
    none of that to do, yet both ran on every request (a tenth of /healthz). The limiter makes
    its state of a request on the request context the first time a limit is checked.
    """
    from app.extensions import limiter

    def wrapped(hook: Any) -> Any:
        def run(value: Any) -> Any:
            if hasattr(request_ctx, "_limiter_request_context"):
                return hook(value)
            return value  # the response, unchanged (a teardown's return is ignored)

        return run

    def is_limiters(hook: Any) -> bool:
        owner = getattr(hook, "__self__", None) or next(iter(getattr(hook, "args", ())), None)
        return owner is limiter

    funcs[None] = [wrapped(h) if is_limiters(h) else h for h in funcs.get(None, [])]


class DatabaseStorage(Storage):
    """A limits storage (fixed windows) in the rate_limit_counters table."""

    STORAGE_SCHEME = [SCHEME + "sqlite", SCHEME + "postgresql", SCHEME + "postgresql+psycopg"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.engine = sa.create_engine((uri or "").removeprefix(SCHEME), pool_pre_ping=True)
        self._table_checked = False

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def _begin(self) -> Any:
        if not self._table_checked:
            # Made by the migrations; a throwaway database (a test's sqlite://) gets it here.
            Base.metadata.create_all(self.engine, tables=[_TABLE], checkfirst=True)
            self._table_checked = True
        return self.engine.begin()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Count amount more hits on key; a window that has ended starts again at amount."""
        now = time.time()
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        ended = _TABLE.c.expires_at <= now
        upsert = (
            dialect.insert(_TABLE)
            .values(key=key, hits=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[_TABLE.c.key],
                set_={
                    "hits": sa.case((ended, amount), else_=_TABLE.c.hits + amount),
                    "expires_at": sa.case((ended, now + expiry), else_=_TABLE.c.expires_at),
                },
            )
            .returning(_TABLE.c.hits)
        )
        with self._begin() as connection:
            connection.execute(sa.delete(_TABLE).where(_TABLE.c.expires_at < now - 60))
            return int(connection.execute(upsert).scalar_one())

    def get(self, key: str) -> int:
        with self._begin() as connection:
            hits = connection.execute(
                sa.select(_TABLE.c.hits).where(
                    _TABLE.c.key == key, _TABLE.c.expires_at > time.time()
                )
            ).scalar()
        return int(hits or 0)

    def get_expiry(self, key: str) -> float:
        with self._begin() as connection:
            expires = connection.execute(
                sa.select(_TABLE.c.expires_at).where(_TABLE.c.key == key)
            ).scalar()
        return float(expires if expires is not None else time.time())

    def check(self) -> bool:
        with self._begin() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True

    def reset(self) -> int | None:
        with self._begin() as connection:
            return connection.execute(sa.delete(_TABLE)).rowcount

    def clear(self, key: str) -> None:
        with self._begin() as connection:
            connection.execute(sa.delete(_TABLE).where(_TABLE.c.key == key))
