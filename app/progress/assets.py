"""Serve the vendored chart bundle pre-compressed, with a versioned URL and long cache life.

create_app registers these hooks and the asset_url template global for the whole app.
"""

import hashlib
from functools import cache
from pathlib import Path

from flask import Response, current_app, request, send_file, url_for

VENDOR_PREFIX = "/static/vendor/"
LONG_CACHE = "public, max-age=31536000, immutable"


@cache
def _file_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """Return the static URL of a file with ?v=<content hash>, so it can be cached for ever."""
    path = Path(current_app.static_folder or "") / filename
    version = _file_hash(str(path), path.stat().st_mtime) if path.exists() else "missing"
    return url_for("static", filename=filename, v=version)


def serve_precompressed() -> Response | None:
    """Answer /static/vendor/x.js with x.js.gz when the client accepts gzip."""
    if not request.path.startswith(VENDOR_PREFIX) or request.method not in ("GET", "HEAD"):
        return None
    if "gzip" not in request.headers.get("Accept-Encoding", ""):
        return None
    static = Path(current_app.static_folder or "").resolve()
    name = request.path.removeprefix("/static/")
    plain = (static / name).resolve()
    packed = plain.with_name(plain.name + ".gz")
    if static not in plain.parents or not packed.is_file():
        return None
    response = send_file(packed, mimetype=_mimetype(plain.name), conditional=True, etag=True)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    return response


def cache_static_for_long(response: Response) -> Response:
    """Cache vendor files and versioned static URLs for a year; their URL changes with them."""
    if request.path.startswith(VENDOR_PREFIX) or (
        request.path.startswith("/static/") and request.args.get("v")
    ):
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = LONG_CACHE
            response.headers.setdefault("Vary", "Accept-Encoding")
    return response


def _mimetype(name: str) -> str:
    if name.endswith(".js"):
        return "text/javascript"
    if name.endswith(".css"):
        return "text/css"
    return "application/octet-stream"
