"""The served plotly.js bundle: has every trace type we draw, pre-compressed, cached, light."""

import gzip
import hashlib
import re
from datetime import timedelta
from pathlib import Path

import brotli
import pytest
from flask import url_for

from app.domain import charts as figures

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "app" / "static" / "vendor"
PAGE_BUDGET = 600 * 1024
FIRST_LOAD_BUDGET = 50 * 1024  # the page and its first chart, without plotly.js


@pytest.fixture(scope="module")
def bundle(app) -> Path:  # type: ignore[no-untyped-def]
    """The bundle `make assets` builds; built here when missing (npm, else the fallback)."""
    target = VENDOR / "plotly.min.js"
    if not all(target.with_name(target.name + end).exists() for end in ("", ".gz", ".br")):
        from app.assets import build_index

        run_build_assets()
        # The app indexed the static folder when it started: index it again.
        app.extensions["stride_assets"] = build_index(Path(app.static_folder))
    return target


def run_build_assets() -> None:
    """What `make assets` does: scripts/build_assets.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_assets", ROOT / "scripts/build_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.build()
    module.build_own()


def registered_trace_types(text: str) -> set[str]:
    """Return the trace modules a plotly.js bundle registers (its `moduleType:"trace"` blocks)."""
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', text))


def test_bundle_registers_every_trace_type_the_charts_use(bundle):
    registered = registered_trace_types(bundle.read_text(encoding="utf-8"))
    assert {"scatter", "bar"} <= registered
    assert set(figures.TRACE_TYPES) <= registered


def test_trace_marker_tells_a_partial_bundle_from_a_full_one():
    # The marker must really distinguish bundles: a trace type we never draw is absent from
    # the basic bundle (if npm built it) and present in the full one.
    import plotly

    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert {"scatter", "bar", "heatmap", "scattergl"} <= registered_trace_types(full.read_text())
    basic = ROOT / "node_modules" / "plotly.js-basic-dist-min" / "plotly-basic.min.js"
    if basic.exists():
        assert registered_trace_types(basic.read_text()) == {"scatter", "bar", "pie"}


def fetch(client, url, **headers):  # type: ignore[no-untyped-def]
    """GET a file and close it at once (send_file keeps it open until closed)."""
    response = client.get(url, headers=headers)
    response.get_data()  # read it all, then let go of the file
    response.close()
    return response


def static_url(app, filename: str) -> str:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_static_urls_carry_the_hash_of_the_file_they_serve(app, bundle):
    url = static_url(app, "vendor/plotly.min.js")
    path, _, query = url.partition("?")
    assert path == "/static/vendor/plotly.min.js"
    assert query == "v=" + hashlib.sha256(bundle.read_bytes()).hexdigest()[:12]


def test_brotli_copy_is_served_with_a_year_of_cache(client, app, bundle):
    url = static_url(app, "vendor/plotly.min.js")
    response = fetch(client, url, **{"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.mimetype == "text/javascript"
    assert brotli.decompress(response.data) == bundle.read_bytes()


def test_gzip_copy_for_clients_without_brotli(client, app, bundle):
    response = fetch(client, static_url(app, "vendor/plotly.min.js"), **{"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == bundle.read_bytes()


def test_plain_copy_for_clients_without_compression(client, app, bundle):
    response = fetch(client, static_url(app, "vendor/plotly.min.js"))
    assert "Content-Encoding" not in response.headers
    assert response.data == bundle.read_bytes()
    assert "immutable" in response.headers["Cache-Control"]


@pytest.mark.parametrize("query", ["", "?v=000000000000"], ids=["no-version", "old-version"])
def test_a_url_without_the_current_hash_is_cached_for_minutes_only(client, bundle, query):
    response = fetch(client, f"/static/vendor/plotly.min.js{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_no_path_tricks_through_the_compressed_route(client, bundle):
    response = fetch(client, "/static/vendor/../../../config.py", **{"Accept-Encoding": "br"})
    assert response.status_code == 404


def test_chart_page_loads_without_plotly_and_stays_under_600_kb_with_it(
    client, make, physio, patient, today, bundle
):
    exercises = [make.exercise(f"page-weight-{n}") for n in range(6)]
    make.programme(patient, exercises, start=today - timedelta(days=120))
    make.days(patient, today - timedelta(days=100), today, due=6)
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}/progress")
    html = page.get_data()

    def weight(urls: list[str]) -> int:
        total = 0
        for url in urls:
            response = fetch(client, url, **{"Accept-Encoding": "gzip, br"})
            assert response.status_code == 200, url
            body = response.data
            if not response.headers.get("Content-Encoding"):
                body = gzip.compress(body)
            total += len(body)
        return total

    # What the page loads to show itself and its first chart (drawn on the server)...
    first = re.findall(r'\s(?:src|href)="(/static/[^"]+)"', html.decode())
    assert first and not any("plotly" in url for url in first)
    first_load = len(gzip.compress(html)) + weight(first)
    # ... and plotly.js, fetched when another chart scrolls into view (charts.js).
    [plotly] = re.findall(r'data-plotly-src="(/static/vendor/plotly.min.js[^"]+)"', html.decode())
    every_chart = first_load + weight([plotly.replace("&amp;", "&")])
    print(f"chart page: first load {first_load:,} bytes, every chart {every_chart:,} compressed")
    assert first_load <= FIRST_LOAD_BUDGET
    assert every_chart <= PAGE_BUDGET
