"""The app remembers the links it builds in a request (app.Stride.url_for): the same links as
Flask builds, whatever the script root, blueprint or values."""

import pytest
from flask import Flask

LINKS = [
    # (endpoint, values), each built as Flask builds it
    ("today.today", {}),
    ("static", {"filename": "css/app.css"}),  # the asset index adds ?v=<hash>
    ("static", {"filename": "icons/icon.svg"}),
    ("patients.detail", {"patient_id": 7}),
    ("patients.detail", {"patient_id": 8}),
    ("dashboard.index", {"sort": "name", "page": 2}),  # unknown keys become the query string
    ("dashboard.index", {"page": 2, "sort": "name"}),
    ("dashboard.index", {"flag": True}),  # True is not 1: not remembered, built as Flask does
    ("dashboard.index", {"flag": 1}),
]


@pytest.mark.parametrize("script_root", ["", "/clinic"])
@pytest.mark.parametrize(("endpoint", "values"), LINKS)
def test_a_remembered_link_is_the_link_flask_builds(app, endpoint, values, script_root):
    with app.test_request_context("/today", base_url="http://localhost" + script_root):
        expected = Flask.url_for(app, endpoint, **values)
        assert app.url_for(endpoint, **values) == expected
        assert app.url_for(endpoint, **values) == expected  # the second time, from memory
        assert expected.startswith(script_root + "/")


def test_links_under_another_script_root_are_not_mixed_up(app):
    with app.test_request_context("/today"):
        plain = app.url_for("today.week")
    with app.test_request_context("/today", base_url="http://localhost/clinic"):
        prefixed = app.url_for("today.week")
    assert (plain, prefixed) == ("/week", "/clinic/week")


def test_a_relative_endpoint_is_read_in_the_requests_blueprint(app):
    with app.test_request_context("/today"):
        in_today = app.url_for(".week")
    with app.test_request_context("/dashboard"):
        in_dashboard = app.url_for(".index")
    assert (in_today, in_dashboard) == ("/week", "/dashboard")


def test_an_external_link_names_the_requests_host(app):
    with app.test_request_context("/today", base_url="https://one.example"):
        first = app.url_for("today.today", _external=True)
    with app.test_request_context("/today", base_url="https://two.example"):
        second = app.url_for("today.today", _external=True)
    assert (first, second) == ("https://one.example/today", "https://two.example/today")


def test_the_memory_is_bounded(app, monkeypatch):
    import app as app_module

    monkeypatch.setattr(app_module, "LINKS_KEPT", 3)
    app.links.clear()
    with app.test_request_context("/today"):
        for patient_id in range(1, 8):
            link = app.url_for("patients.detail", patient_id=patient_id)
            assert link == f"/patients/{patient_id}"
            assert len(app.links) <= 3


def test_a_link_built_once_is_not_built_again(app, monkeypatch):
    built = []
    flask_builds = Flask.url_for

    def counting(self, endpoint, **values):  # type: ignore[no-untyped-def]
        built.append(endpoint)
        return flask_builds(self, endpoint, **values)

    monkeypatch.setattr(Flask, "url_for", counting)
    app.links.clear()
    with app.test_request_context("/today"):
        for _ in range(3):
            app.url_for("today.week")
            app.url_for("today.week", _external=True)  # external: built each time
    assert built == ["today.week"] + ["today.week"] * 3
