"""Open redirect: ?next= after logging in goes only to a path on this site, whatever its form."""

import pytest

from app.policy import is_safe_next
from tests.factories import PASSWORD
from tests.security.world import World

# Each of these opens another site in a browser (which drops tabs and newlines, trims control
# characters and reads "\" as "/"), or is not a plain path at all.
HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/ /evil.example",
    "/\x00/evil.example",
    "/\x0b/evil.example",
    "/\u3000/evil.example",
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    "http:evil.example",
    "evil.example",
    "",
    "///evil.example",
]
# Sent percent-encoded in the query string: the server sees them decoded once.
ENCODED_NEXT = ["/%09/evil.example", "%2F%2Fevil.example", "/%5Cevil.example", "%0A//evil.example"]
SAFE_NEXT = ["/patients", "/patients/3?tab=plan", "/library/?q=bridge&page=2", "/%2F/x"]


@pytest.mark.parametrize("target", HOSTILE_NEXT, ids=repr)
def test_open_redirect_next_values_are_refused(target: str):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", SAFE_NEXT)
def test_paths_on_this_site_are_followed(target: str):
    assert is_safe_next(target)


@pytest.mark.parametrize("encoded", ENCODED_NEXT)
def test_open_redirect_through_an_encoded_next_lands_on_the_home_page(
    client, world: World, encoded: str
):
    response = client.post_form(
        f"/login?next={encoded}", {"login": "physio-a@test.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_open_redirect_with_a_tab_after_the_slash_lands_on_the_home_page(client, world: World):
    """The probe that worked: next=/<TAB>/evil.example redirected to //evil.example."""
    response = client.post_form(
        "/login?next=/%09/evil.example", {"login": "physio-a@test.example", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
