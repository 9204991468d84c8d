"""The exercise figure on the day page, in a real browser on a phone: it is drawn and
animated, the hold timer holds it at the end pose and counts the set, and with reduced motion
the start and end pictures stand side by side instead."""

import pytest

from tests.browser.conftest import PHONE
from tests.browser.test_journey import Pages, Watch, _login

pytestmark = pytest.mark.browser


def _timed_card(page):  # type: ignore[no-untyped-def]
    """Open the first exercise that has both a figure and a hold or round timer."""
    card = (
        page.locator("li.exercise", has=page.locator("[data-timer]"))
        .filter(has=page.locator("[data-figure]"))
        .first
    )
    card.locator("summary").click()
    return card


def test_the_hold_timer_moves_the_figure_to_the_end_pose_and_counts_the_set(  # type: ignore[no-untyped-def]
    live_server, browser, screenshots
):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    watch = Watch(page)
    _login(page, live_server, "patient@example.com", "stride-demo")
    page.goto(f"{live_server}/today")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-figure]").count() >= 1

    card = _timed_card(page)
    block = card.locator("[data-figure]")
    live = block.locator(".figure-live")
    assert live.is_visible() and block.locator(".figure-frames").is_hidden()
    first = live.locator(".fig-move > *").first.get_attribute("x2")
    page.wait_for_function(  # the preview loop moves the figure by itself
        "([el, x]) => el.querySelector('.fig-move > *').getAttribute('x2') !== x",
        arg=[live.element_handle(), first],
    )

    card.locator("[data-timer-start]").first.click()
    page.wait_for_function(
        "el => el.dataset.follow === 'hold' && el.dataset.pose === 'end'",
        arg=block.element_handle(),
    )
    assert "set 1 of" in block.locator("[data-figure-follow]").inner_text()
    page.screenshot(path=str(screenshots / "figure-today-holding.png"), full_page=False)
    card.locator("[data-timer-stop]").click()
    page.wait_for_function("el => el.dataset.follow === ''", arg=block.element_handle())
    Pages(screenshots).check(page, "figure-today")
    assert watch.problems == []
    context.close()


def test_reduced_motion_shows_start_and_end_side_by_side(live_server, browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(**PHONE, reduced_motion="reduce")
    page = context.new_page()
    _login(page, live_server, "patient@example.com", "stride-demo")
    page.goto(f"{live_server}/today")
    page.wait_for_load_state("networkidle")
    card = _timed_card(page)
    frames = card.locator(".figure-frames figure")
    assert frames.count() == 2 and frames.nth(0).is_visible() and frames.nth(1).is_visible()
    assert card.locator(".figure-live").is_hidden()
    context.close()
