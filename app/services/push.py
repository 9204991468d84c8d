"""Web Push: the server's VAPID key pair, and one encrypted, signed push to one subscription.

pywebpush encrypts the payload (aes128gcm, RFC 8291) with the browser's keys and signs a
VAPID JWT (RFC 8292) with the key in VAPID_PRIVATE_KEY; `flask push keys` makes a pair.
"""

import base64
import enum
import logging
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class KeyPair:
    """A VAPID key pair as settings hold it: base64url, raw (32 bytes) and uncompressed point."""

    private_key: str
    public_key: str


def new_key_pair() -> KeyPair:
    """Make a new P-256 key pair for VAPID_PRIVATE_KEY (`flask push keys`)."""
    private = ec.generate_private_key(ec.SECP256R1())
    raw = private.private_numbers().private_value.to_bytes(32, "big")
    return KeyPair(_b64url(raw), public_key_of(_b64url(raw)))


def public_key_of(private_key: str) -> str:
    """Return the browser's applicationServerKey (base64url) for a VAPID private key."""
    public = Vapid02.from_raw(private_key.encode()).public_key
    point = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(point)


def configured_private_key() -> str | None:
    """The VAPID private key from the settings, or None when reminders are not set up."""
    key: str | None = current_app.config.get("VAPID_PRIVATE_KEY")
    return key or None


def configured_public_key() -> str | None:
    """The public key the browsers subscribe with, or None when reminders are not set up."""
    key = configured_private_key()
    return public_key_of(key) if key else None


class Outcome(enum.Enum):
    """What the push service said."""

    SENT = "sent"
    GONE = "gone"  # 404/410: the subscription no longer exists; delete it
    RETRY = "retry"  # anything else: try again later


@dataclass(frozen=True)
class Push:
    """One push to one subscription."""

    endpoint: str
    p256dh: str
    auth: str
    payload: str  # JSON text; encrypted before it leaves
    topic: str  # a later push with the same topic replaces one not yet delivered
    ttl: int  # seconds the push service keeps it for a phone that is offline


def send(push: Push) -> tuple[Outcome, str]:
    """Send one push; return the outcome and a short reason for the log (no payload)."""
    key = configured_private_key()
    if key is None:
        return Outcome.RETRY, "VAPID_PRIVATE_KEY is not set"
    subject = current_app.config.get("VAPID_SUBJECT") or current_app.config["EXTERNAL_URL"]
    try:
        webpush(
            {"endpoint": push.endpoint, "keys": {"p256dh": push.p256dh, "auth": push.auth}},
            data=push.payload,
            vapid_private_key=Vapid02.from_raw(key.encode()),
            vapid_claims={"sub": subject},
            ttl=max(push.ttl, 0),
            timeout=TIMEOUT_SECONDS,
            headers={"Topic": push.topic, "Urgency": "normal"},
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            return Outcome.GONE, f"push service answered {status}"
        return Outcome.RETRY, f"push service answered {status}" if status else "push failed"
    except (OSError, ValueError) as error:  # requests' errors are OSErrors; bad keys ValueError
        return Outcome.RETRY, type(error).__name__
    return Outcome.SENT, "sent"
