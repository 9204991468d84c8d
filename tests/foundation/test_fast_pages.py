"""Pages and files go out small: compressed, minified, under hashed URLs cached for a year."""

import gzip
import hashlib
import json
import re
from pathlib import Path

import brotli
import pytest
from flask import url_for

from app.assets import BUILD_DIR, build_index
from app.domain.localtime import local_today
from tests.progress.test_assets import fetch, run_build_assets

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"


@pytest.fixture(scope="module")
def built(app):  # type: ignore[no-untyped-def]
    """Our JS and CSS as `make assets` builds them, indexed by the app."""
    if not (STATIC / BUILD_DIR / "manifest.json").exists():
        run_build_assets()
        app.extensions["stride_assets"] = build_index(STATIC)
    return STATIC / BUILD_DIR


def test_pages_are_compressed_with_brotli_or_gzip(client):
    page = client.get("/login", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert page.headers["Content-Encoding"] == "br"
    assert b"Log in" in brotli.decompress(page.data)
    assert "Accept-Encoding" in page.headers["Vary"]
    old = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert old.headers["Content-Encoding"] == "gzip"
    assert b"Log in" in gzip.decompress(old.data)


def test_a_page_is_plain_for_a_client_that_accepts_no_compression(client):
    page = client.get("/login")
    assert "Content-Encoding" not in page.headers
    assert b"Log in" in page.data


def test_a_body_too_short_to_compress_goes_plain_and_varies_on_nothing(client):
    # /healthz reads no session and is shorter than COMPRESS_MIN_SIZE: the same bytes for
    # every client, so a shared cache needs no Vary (neither Cookie nor Accept-Encoding).
    response = client.get("/healthz", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert "Vary" not in response.headers


def test_json_is_compressed(client, patient, make):
    make.programme(patient, [make.exercise("squeeze")], start=local_today(patient.timezone))
    client.login_as(patient.user)
    response = client.get("/api/v1/today", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert "items" in json.loads(brotli.decompress(response.data))


def test_page_templates_link_the_minified_copy_under_its_hash(client, built):
    html = client.get("/login").get_data(as_text=True)
    [url] = re.findall(r'href="(/static/[^"]*app\.css[^"]*)"', html)
    path, _, query = url.partition("?")
    assert path == "/static/build/css/app.css"
    assert query == "v=" + hashlib.sha256((built / "css/app.css").read_bytes()).hexdigest()[:12]
    response = fetch(client, url, **{"Accept-Encoding": "br"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == (built / "css/app.css").read_bytes()


def test_today_js_is_minified_and_imports_its_module_by_hash(built):
    if not (STATIC.parents[1] / "node_modules" / ".bin" / "esbuild").exists():
        pytest.skip("npm is not installed here: make assets copies the JS as written")
    source = (STATIC / "js/today.js").read_text()
    served = (built / "js/today.js").read_text()
    assert len(served) < 0.8 * len(source)
    assert "// Stride day page" not in served  # comments gone
    outbox = hashlib.sha256((built / "js/outbox.js").read_bytes()).hexdigest()[:12]
    assert f'"./outbox.js?v={outbox}"' in served


def test_a_source_edited_after_the_build_is_served_as_written(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / BUILD_DIR / "js").mkdir(parents=True)
    source = tmp_path / "js/day.js"
    source.write_text("// the day\nconst a = 1;\n")
    (tmp_path / BUILD_DIR / "js/day.js").write_text("const a=1;")
    (tmp_path / BUILD_DIR / "js/day.js.br").write_bytes(brotli.compress(b"const a=1;"))
    manifest = {"js/day.js": hashlib.sha256(source.read_bytes()).hexdigest()}
    (tmp_path / BUILD_DIR / "manifest.json").write_text(json.dumps(manifest))
    built = build_index(tmp_path).by_source["js/day.js"]
    assert (built.served, built.encodings) == ("build/js/day.js", ("br",))

    source.write_text("// the day, edited\nconst a = 2;\n")
    edited = build_index(tmp_path).by_source["js/day.js"]
    assert (edited.served, edited.encodings) == ("js/day.js", ())
    assert edited.version == hashlib.sha256(source.read_bytes()).hexdigest()[:12]


def test_static_url_without_a_file_of_that_name_is_left_alone(app):
    with app.test_request_context():
        assert url_for("static", filename="js/missing.js") == "/static/js/missing.js"
