"""Leave quickly (issue 5, point 7) in a real browser.

The forum runs in a second daphne process whose LEAVE_QUICKLY_URL points at a tiny
"neutral site": a plain HTTP server in this test process, on another port, so another
origin, as the real neutral site would be. It can hold its answer back, which shows what
the forum tab looks like while the neutral site loads: empty.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from forum.models import Member, Post, Thread
from tests.e2e.conftest import LiveSite, PageLog
from tests.servers import HOST, running_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREAD_TITLE = "The first appointment"
THREAD_BODY = "I finally told the doctor everything and nobody at home knows yet."
DRAFT = "Half a sentence I have not sent"
NEUTRAL_TEXT = "Cloudy with sunny spells"
ANSWER_WAIT_SECONDS = 10

REPORT_AFTER_CLICK = """() => {
  function report(when) {
    console.log("shown " + when + ": " + JSON.stringify([location.href, document.title,
      document.body.childElementCount, document.body.textContent]));
  }
  window.addEventListener("click", function () {
    report("after the click");
    setTimeout(function () { report("while loading"); }, 300);
  });
}"""

# Set: the neutral site answers at once. Cleared: it waits, so the test can look at the
# forum tab between the click and the neutral page.
_neutral_may_answer = threading.Event()


class _NeutralSite(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        _neutral_may_answer.wait(ANSWER_WAIT_SECONDS)
        body = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Weather</title>"
            f"</head><body><p>{NEUTRAL_TEXT}</p></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def neutral_url() -> Iterator[str]:
    server = ThreadingHTTPServer((HOST, 0), _NeutralSite)
    serving = threading.Thread(target=server.serve_forever, name="neutral-site", daemon=True)
    serving.start()
    _neutral_may_answer.set()
    try:
        yield f"http://{HOST}:{server.server_port}/weather"
    finally:
        _neutral_may_answer.set()
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def forum_site(django_db_setup: None, neutral_url: str) -> Iterator[LiveSite]:
    """The forum, with "Leave quickly" pointing at the neutral site."""
    with running_site(
        name="daphne-leave-quickly", environ={"LEAVE_QUICKLY_URL": neutral_url}
    ) as site:
        yield site


def _sign_in(page: Page, site: LiveSite, member: Member) -> None:
    # A session made on the server side: the tab's history then holds only what the test
    # opens in it.
    client = Client()
    client.force_login(member)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site.url,
            }
        ]
    )


def _shows_no_forum(page: Page) -> None:
    content = page.content()
    assert THREAD_TITLE not in content
    assert THREAD_BODY not in content
    assert DRAFT not in content
    assert "Own Pace" not in content


def test_the_button_clears_the_page_then_replaces_it_with_the_neutral_site(
    page: Page,
    page_log: PageLog,
    forum_site: LiveSite,
    neutral_url: str,
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(title=THREAD_TITLE, body=THREAD_BODY)
    thread_url = f"{forum_site.url}/t/{thread.pk}/"
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(thread_url)
    expect(page.get_by_text(THREAD_BODY)).to_be_visible()
    leave = page.get_by_role("link", name="Leave quickly")
    expect(leave).to_have_attribute("href", neutral_url)
    expect(leave).to_have_attribute("rel", "noreferrer")
    expect(leave).to_be_in_viewport()
    # Reachable by keyboard: second stop after "Skip to content".
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(leave).to_be_focused()
    # Still in view at the bottom of the page.
    page.keyboard.press("End")
    page.mouse.wheel(0, 5000)
    expect(leave).to_be_in_viewport()

    # The page reports what it shows right after the click, and again while the neutral
    # site is still loading (Playwright's own reads would wait for the navigation).
    page.evaluate(REPORT_AFTER_CLICK)
    _neutral_may_answer.clear()
    try:
        # A real click, not waiting for the navigation it starts.
        leave.click(no_wait_after=True)
        page.wait_for_timeout(800)
        reports = [line for line in page_log.console if line.startswith("log: shown ")]
    finally:
        _neutral_may_answer.set()
    shown = f'["{thread_url}","Notes",0,""]'
    assert reports == [f"log: shown after the click: {shown}", f"log: shown while loading: {shown}"]
    page.wait_for_url(neutral_url)
    expect(page.get_by_text(NEUTRAL_TEXT)).to_be_visible()
    _shows_no_forum(page)

    # Back does not bring the forum page back: it was replaced, not left behind.
    page.go_back()
    page.wait_for_timeout(300)
    assert page.url != thread_url
    _shows_no_forum(page)

    # Under the enforced Content-Security-Policy: leaving is a navigation, not a fetch.
    assert page_log.csp_violations() == []
    assert page_log.errors == []


def test_escape_three_times_leaves_even_from_the_composer_and_sends_nothing(
    page: Page,
    page_log: PageLog,
    forum_site: LiveSite,
    neutral_url: str,
    make_thread: Callable[..., Thread],
    member: Member,
) -> None:
    thread = make_thread(author=member, title=THREAD_TITLE, body=THREAD_BODY)
    posts_before = Post.objects.count()
    thread_url = f"{forum_site.url}/t/{thread.pk}/"
    page.set_viewport_size({"width": 420, "height": 800})
    _sign_in(page, forum_site, member)
    page.goto(thread_url)
    leave = page.get_by_role("link", name="Leave quickly")
    expect(leave).to_be_in_viewport()

    composer = page.locator("textarea").first
    composer.scroll_into_view_if_needed()
    expect(leave).to_be_in_viewport()
    composer.fill(DRAFT)
    composer.focus()

    # Two presses, then a pause: not three within 1.5 seconds, so nothing happens.
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_timeout(1700)
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    assert page.url == thread_url
    expect(composer).to_have_value(DRAFT)

    # Two more: three within the window.
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(neutral_url)
    expect(page.get_by_text(NEUTRAL_TEXT)).to_be_visible()
    _shows_no_forum(page)

    page.go_back()
    page.wait_for_timeout(300)
    assert not page.url.startswith(forum_site.url)
    _shows_no_forum(page)

    # The draft went nowhere: nothing was posted, and the member is still signed in (the
    # server keeps everything it had).
    assert Post.objects.count() == posts_before
    assert not Post.objects.filter(body__contains=DRAFT).exists()
    page.goto(thread_url)
    expect(page.get_by_role("link", name="Settings")).to_be_visible()
    assert page_log.csp_violations() == []
    assert page_log.errors == []
