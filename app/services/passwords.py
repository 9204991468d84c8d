"""Passwords: the one rule for a new password, and hashing with argon2id."""

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn

_default = PasswordHasher()  # argon2id with the library's recommended parameters
# Tests hash hundreds of passwords; cheap parameters keep the suite fast, still argon2id.
_fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

MIN_PASSWORD_LENGTH = 12
# zxcvbn's scale: 0-2 fall to a few thousand to a few million guesses ("password123",
# "aaaaaaaaaaaa", keyboard runs, a common word with digits); 3 and up resist an offline attack
# on a slow hash. zxcvbn ships its own lists of common and leaked passwords: nothing is sent.
MIN_PASSWORD_SCORE = 3
_SCORED_CHARS = 72  # zxcvbn 4.5 refuses longer input (and slows down): the first 72 decide


def password_problem(password: str, personal: Iterable[str | None] = ()) -> str | None:
    """Say why a new password is refused (too short, common, guessable), or None if it is fine.

    personal: the account's name, email or username, which make a password easy to guess.
    Stored demo and test hashes are made directly (devdata, tests/factories): the rule is for
    passwords people choose.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    words = []
    for text in filter(None, personal):
        parts = text.lower().replace("@", " ").replace(".", " ").split()
        words += [*parts, "".join(parts)]  # "Alice Able" -> alice, able, aliceable
    result = zxcvbn(password[:_SCORED_CHARS], user_inputs=[*words, "stride", "physio"])
    if result["score"] >= MIN_PASSWORD_SCORE:
        return None
    why = result["feedback"]["warning"] or "It would be easy to guess."
    return f"Choose a harder password. {why.rstrip('.')}. Try a few unrelated words together."


def _hasher() -> PasswordHasher:
    return _fast if current_app.config.get("PASSWORD_HASH_FAST") else _default


def hash_password(password: str) -> str:
    """Return an argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash; False for accounts without one."""
    if not password_hash:
        # Spend the same effort as a real check so timing does not reveal the account.
        _hasher().hash(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
