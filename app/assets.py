"""Static files: the built copy under a content-hashed URL, pre-compressed, cached for a year.

`make assets` (scripts/build_assets.py) writes app/static/build/: each js/*.js and css/*.css
minified, with a .br and a .gz copy beside it, and the vendored plotly bundle's copies. At
start-up create_app reads the static folder once into an AssetIndex: for every file, the
name to send (the build copy while it was built from the current source, else the source
itself) and a hash of its bytes. Then `url_for('static', filename='js/today.js')` gives
/static/build/js/today.js?v=<hash>, answered with a year's immutable cache, and the .br or
.gz copy when the browser accepts it. A request costs one dictionary look-up: nothing is
hashed or looked up on disk per request. Unversioned URLs keep the short cache of
SEND_FILE_MAX_AGE_DEFAULT.
"""

import hashlib
import json
import logging
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request, send_file

LONG_CACHE = "public, max-age=31536000, immutable"
BUILD_DIR = "build"  # under the static folder; git-ignored, written by make assets
BUILD_MANIFEST = "manifest.json"  # source name -> sha256 of the source it was built from
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))  # best first
COMPRESSED_SUFFIXES = tuple(suffix for _, suffix in ENCODINGS)
INDEX_KEY = "stride_assets"


@dataclass(frozen=True)
class Asset:
    """One static file as served: its file name under static/, version and compressed copies."""

    served: str
    version: str
    encodings: tuple[str, ...]


@dataclass(frozen=True)
class AssetIndex:
    """Every static file, by the name templates ask for and by the name it is served under."""

    by_source: dict[str, Asset]
    by_served: dict[str, Asset]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def _version(file: tuple[str, int, int]) -> str:
    # Keyed by (path, mtime, size), so each app the tests create does not hash plotly again.
    return sha256_of(Path(file[0]))[:12]


def build_index(static: Path) -> AssetIndex:
    """Read the static folder: the copy to send for each file, with its hash."""
    build = static / BUILD_DIR
    manifest_file = build / BUILD_MANIFEST
    built: dict[str, str] = json.loads(manifest_file.read_text()) if manifest_file.is_file() else {}
    by_source: dict[str, Asset] = {}
    stale: list[str] = []
    for path in sorted(static.rglob("*")):
        name = path.relative_to(static).as_posix()
        if not path.is_file() or name.startswith(f"{BUILD_DIR}/"):
            continue
        if name.endswith(COMPRESSED_SUFFIXES):
            continue
        served = name
        if name in built:
            if built[name] == sha256_of(path):
                served = f"{BUILD_DIR}/{name}"
            else:
                stale.append(name)
        file = static / served
        stat = file.stat()
        encodings = tuple(
            encoding for encoding, suffix in ENCODINGS if (static / (served + suffix)).is_file()
        )
        version = _version((str(file), stat.st_mtime_ns, stat.st_size))
        by_source[name] = Asset(served, version, encodings)
    if stale:
        # Edited since `make assets`: the source is served (unminified) until it is rebuilt.
        logging.getLogger(__name__).warning(
            "static files changed since make assets, serving the sources: %s", ", ".join(stale)
        )
    by_served = {asset.served: asset for asset in by_source.values()}
    return AssetIndex(by_source, by_served)


def _index() -> AssetIndex:
    index: AssetIndex = current_app.extensions[INDEX_KEY]
    return index


def versioned_static_url(endpoint: str, values: dict[str, Any]) -> None:
    """url_defaults: static URLs name the served copy and carry ?v=<hash of its bytes>."""
    if endpoint != "static" or "v" in values:
        return
    asset = _index().by_source.get(values.get("filename", ""))
    if asset is not None:
        values["filename"] = asset.served
        values["v"] = asset.version


def serve_precompressed() -> Response | None:
    """Answer a static file with its .br or .gz copy when the browser accepts one."""
    if not request.path.startswith("/static/") or request.method not in ("GET", "HEAD"):
        return None
    name = request.path.removeprefix("/static/")
    asset = _index().by_served.get(name)  # only files the index knows: no path tricks
    if asset is None or not asset.encodings:
        return None
    encoding = request.accept_encodings.best_match(asset.encodings)
    if encoding is None:
        return None
    suffix = dict(ENCODINGS)[encoding]
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    packed = Path(current_app.static_folder or "") / (name + suffix)
    response = send_file(
        packed, mimetype=mimetype, download_name=Path(name).name, conditional=True, etag=True
    )
    response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    return response


def cache_versioned_for_long(response: Response) -> Response:
    """A year's cache for a static URL whose ?v= is its current hash: its URL changes with it."""
    if not request.path.startswith("/static/") or response.status_code not in (200, 304):
        return response
    asset = _index().by_served.get(request.path.removeprefix("/static/"))
    if asset is not None and request.args.get("v") == asset.version:
        response.headers["Cache-Control"] = LONG_CACHE
    if asset is not None and asset.encodings:
        response.headers["Vary"] = "Accept-Encoding"
    return response


def register(app: Flask) -> None:
    """Index the static folder once and add the URL and response hooks."""
    app.extensions[INDEX_KEY] = build_index(Path(app.static_folder or ""))
    app.url_defaults(versioned_static_url)
    app.before_request(serve_precompressed)
    app.after_request(cache_versioned_for_long)
