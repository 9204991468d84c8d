"""A local stand-in for a browser's push service: checks VAPID and decrypts what it receives.

Like FCM or Mozilla's autopush, it accepts a POST to a subscription's endpoint only with a
VAPID JWT (ES256) signed by the key the Authorization header names, for this origin (aud)
and not expired (exp within 24 hours); it then decrypts the aes128gcm body with the
subscription's private key and auth secret, which a test makes as a browser would. Nothing
leaves 127.0.0.1.
"""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class BrowserKeys:
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @classmethod
    def new(cls) -> "BrowserKeys":
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


@dataclass
class Received:
    """One push the service accepted: its endpoint path, headers (lower case), JWT claims
    and decrypted message."""

    path: str
    headers: dict[str, str]
    claims: dict[str, Any]
    message: dict[str, Any]


@dataclass
class PushService:
    """Run with `with PushService() as service:`; service.subscription() makes a browser's."""

    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why each refused push was refused
    # path -> status codes to answer in turn before accepting (e.g. [500] or [410])
    answers: dict[str, list[int]] = field(default_factory=dict)
    keys: dict[str, BrowserKeys] = field(default_factory=dict)
    server_public_key: str | None = None  # the VAPID public key pushes must be signed with
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> "PushService":
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = service.receive(self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def subscription(self, name: str) -> dict[str, Any]:
        """A new browser subscription at /push/<name>, as PushSubscription.toJSON() gives it."""
        keys = BrowserKeys.new()
        self.keys[f"/push/{name}"] = keys
        return {
            "endpoint": f"{self.origin}/push/{name}",
            "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
        }

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """Check and decrypt one push; return the HTTP status to answer."""
        with self.lock:
            queued = self.answers.get(path)
            if queued:
                return queued.pop(0)
            if path not in self.keys:
                self.refused.append(f"{path}: no such subscription")
                return 404
            try:
                claims = self.verify_vapid(headers.get("authorization", ""))
                keys = self.keys[path]
                if headers.get("content-encoding") != "aes128gcm":
                    raise ValueError("content encoding is not aes128gcm")
                plain = http_ece.decrypt(
                    body,
                    private_key=keys.private_key,
                    auth_secret=keys.auth_secret,
                    version="aes128gcm",
                )
            except (ValueError, InvalidSignature, KeyError) as error:
                self.refused.append(f"{path}: {type(error).__name__}: {error}")
                return 401
            self.received.append(Received(path, headers, claims, json.loads(plain)))
            return 201

    def verify_vapid(self, authorization: str) -> dict[str, Any]:
        """Check `vapid t=<JWT>, k=<public key>` (RFC 8292); return the JWT's claims."""
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError(f"not a vapid Authorization header: {authorization[:20]!r}")
        parts = dict(part.strip().split("=", 1) for part in params.split(","))
        token, key = parts["t"], parts["k"]
        if self.server_public_key is not None and key != self.server_public_key:
            raise ValueError("signed with another key than the server's")
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        if header.get("alg") != "ES256":
            raise ValueError(f"JWT alg is {header.get('alg')!r}, not ES256")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        raw = b64url_decode(signature_b64)
        signature = encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )
        public.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        claims: dict[str, Any] = json.loads(b64url_decode(claims_b64))
        if claims.get("aud") != self.origin:
            raise ValueError(f"aud is {claims.get('aud')!r}, not {self.origin}")
        if not time.time() < int(claims.get("exp", 0)) <= time.time() + 24 * 3600:
            raise ValueError("exp is not within the next 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:", "http:")):
            raise ValueError("sub is not a mailto: or https: URL")
        return claims
