"""Markdown rendering rules, and the XSS corpus posted through the real posting path.

render_markdown (forum/markup.py) is the one door for trusted HTML. The first half of this
module pins its rules directly; the second half posts every line of the shared XSS corpus
as a thread body and as a thread title through POST /new/, opens the thread page and
walks the HTML of its <main> with html.parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from forum import actions
from forum.markup import LINK_REL, render_markdown
from forum.models import Category, Member, Thread

# --- Parsing helpers ---------------------------------------------------------------------

REL_SET = frozenset(LINK_REL.split())
POST_BODY_TAGS = frozenset(
    {
        "p", "br", "hr", "em", "strong", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    }
)  # fmt: skip
POST_BODY_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}}
# Never anywhere in <main>: these run script, load something or change the document.
FORBIDDEN_IN_MAIN = frozenset(
    {
        "script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link",
        "meta", "base", "img", "image", "picture", "source", "video", "audio", "track", "svg",
        "math", "noscript", "template", "param", "portal",
    }
)  # fmt: skip
# Also never inside a post body (the page's own reply form lives outside them).
FORBIDDEN_IN_POST = FORBIDDEN_IN_MAIN | {"form", "input", "button", "textarea", "select"}
RESOURCE_ATTRIBUTES = frozenset(
    {"src", "srcset", "background", "poster", "formaction", "action", "data", "srcdoc"}
)
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "cite", "xlink:href"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
VOID_ELEMENTS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr",
    }
)  # fmt: skip
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see in `value`, or None for a relative URL.

    Browsers drop ASCII tab and line breaks anywhere in a URL and C0 controls and spaces
    around it, so "java\\tscript:" is "javascript:" to them; so it is here.
    """
    cleaned = re.sub(r"[\t\n\r]", "", value).strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08"
        "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
        "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
        "\x1e\x1f "
    )
    match = _SCHEME.match(cleaned.lower())
    return match.group(1) if match else None


class MainScan(HTMLParser):
    """Walks a page and records every problem found inside its <main>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, opens a post body)
        self.problems: list[str] = []
        self.post_bodies = 0
        self.articles = 0
        self.main_seen = False
        self.main_closed = False
        self.h1_text: list[str] = []
        self.links_in_posts: list[dict[str, str | None]] = []

    @property
    def in_main(self) -> bool:
        return any(tag == "main" for tag, _ in self.stack)

    @property
    def in_post_body(self) -> bool:
        return any(is_body for _, is_body in self.stack)

    @property
    def in_h1(self) -> bool:
        return any(tag == "h1" for tag, _ in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)
        classes = (dict(attrs).get("class") or "").split()
        opens_body = tag == "div" and "post-body" in classes
        if tag == "main":
            self.main_seen = True
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, opens_body))
        if opens_body:
            self.post_bodies += 1
        if tag == "article" and self.in_main:
            self.articles += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "main" and self.in_main:
            self.main_closed = True
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if self.in_h1 and self.in_main:
            self.h1_text.append(data)

    def _problem(self, text: str) -> None:
        self.problems.append(text)

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.in_main:
            return
        in_post = self.in_post_body
        if tag in FORBIDDEN_IN_MAIN or (in_post and tag in FORBIDDEN_IN_POST):
            self._problem(f"<{tag}> {'in a post body' if in_post else 'in <main>'}")
        if in_post and tag not in POST_BODY_TAGS:
            self._problem(f"<{tag}> is not on the post allow-list")
        for name, value in attrs:
            if name.startswith("on"):
                self._problem(f"event attribute {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    self._problem(f"{name}={value!r} on <{tag}> has scheme {scheme}:")
            if in_post:
                if name in RESOURCE_ATTRIBUTES:
                    self._problem(f"resource attribute {name}= on <{tag}> in a post body")
                if name not in POST_BODY_ATTRIBUTES.get(tag, set()):
                    self._problem(f"attribute {name}= on <{tag}> is not on the allow-list")
            elif name in RESOURCE_ATTRIBUTES and tag != "form":
                self._problem(f"resource attribute {name}= on <{tag}> in <main>")
            elif tag == "form" and name == "action" and value and url_scheme(value):
                self._problem(f"form action {value!r} leaves the site")
        if in_post and tag == "a":
            attributes = dict(attrs)
            self.links_in_posts.append(attributes)
            if frozenset((attributes.get("rel") or "").split()) != REL_SET:
                self._problem(f"<a> in a post with rel={attributes.get('rel')!r}")


def scan_main(html: str) -> MainScan:
    scan = MainScan()
    scan.feed(html)
    scan.close()
    return scan


def scan_fragment(fragment: str) -> MainScan:
    """Scan render_markdown output as the page holds it: inside main > div.post-body."""
    return scan_main(f'<main><div class="post-body">{fragment}</div></main>')


# --- render_markdown: the rules ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*soft* and _soft_", "<p><em>soft</em> and <em>soft</em></p>"),
        ("**strong**", "<p><strong>strong</strong></p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("3. three", '<ol start="3">\n<li>three</li>\n</ol>'),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("`x < y`", "<p><code>x &lt; y</code></p>"),
        ("```\n<b>raw</b>\n```", "<pre><code>&lt;b&gt;raw&lt;/b&gt;\n</code></pre>"),
        ("one\\\ntwo", "<p>one<br>\ntwo</p>"),
        ("---", "<hr>"),
    ],
)
def test_render_markdown_renders_commonmark_basics(source: str, expected: str) -> None:
    assert render_markdown(source) == expected


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("# Heading", "h3"),
        ("## Heading", "h4"),
        ("### Heading", "h5"),
        ("#### Heading", "h6"),
        ("##### Heading", "h6"),
        ("###### Heading", "h6"),
        ("Heading\n=======", "h3"),
        ("Heading\n-------", "h4"),
    ],
)
def test_render_markdown_demotes_headings_below_the_page(source: str, tag: str) -> None:
    assert render_markdown(source) == f"<{tag}>Heading</{tag}>"


def test_render_markdown_turns_an_image_into_a_plain_link() -> None:
    html = render_markdown('![a kind cat](https://images.example/cat.png "cat")')

    assert "<img" not in html
    assert html == (
        f'<p><a href="https://images.example/cat.png" rel="{LINK_REL}">a kind cat</a></p>'
    )


def test_render_markdown_drops_a_data_url_from_an_image_link() -> None:
    html = render_markdown("![pixel](data:image/png;base64,iVBORw0KGgo=)")

    assert "<img" not in html
    assert "data:" not in html
    assert ">pixel</a>" in html


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("read https://example.com/page now", "https://example.com/page"),
        ("read www.example.org now", "http://www.example.org"),
        ("read <https://example.com/x> now", "https://example.com/x"),
        ("write <help@example.com>", "mailto:help@example.com"),
    ],
)
def test_render_markdown_autolinks_addresses(source: str, href: str) -> None:
    scan = scan_fragment(render_markdown(source))

    assert [link.get("href") for link in scan.links_in_posts] == [href]


def test_render_markdown_marks_every_link_nofollow_ugc_noopener_noreferrer() -> None:
    source = (
        '[inline](https://example.com/a) [titled](http://example.com/b "t") '
        "<https://example.com/c> https://example.com/d [mail](mailto:a@example.com) "
        "[relative](/guidelines/) ![image](https://images.example/x.png)\n\n"
        "[ref][r]\n\n[r]: https://example.com/e"
    )

    scan = scan_fragment(render_markdown(source))

    assert len(scan.links_in_posts) == 8
    assert scan.problems == []
    assert all(link.get("rel") == LINK_REL for link in scan.links_in_posts)


def test_render_markdown_replaces_a_rel_the_author_wrote() -> None:
    # Raw HTML is escaped, so the only way to carry a rel is through a title; the rel
    # the page shows is always the site's own.
    html = render_markdown('[x](https://example.com "rel=opener")')

    assert f'rel="{LINK_REL}"' in html
    assert html.count("rel=") == 2  # the site's rel, and the harmless title text


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html,<script>alert(1)</script>)",
        "<javascript:alert(1)>",
        "[click][r]\n\n[r]: javascript:alert(1)",
    ],
)
def test_render_markdown_drops_script_links(source: str) -> None:
    html = render_markdown(source)
    scan = scan_fragment(html)

    assert scan.problems == []
    assert all(url_scheme(link.get("href") or "") in {None} for link in scan.links_in_posts)
    assert 'href="javascript' not in html.lower()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<b>bold</b>", "<p>&lt;b&gt;bold&lt;/b&gt;</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        (
            '<img src="x" onerror="alert(1)">',
            "<p>&lt;img src=&quot;x&quot; onerror=&quot;alert(1)&quot;&gt;</p>",
        ),
    ],
)
def test_render_markdown_escapes_raw_html(source: str, expected: str) -> None:
    assert render_markdown(source) == expected


def test_render_markdown_keeps_http_https_mailto_and_relative_links() -> None:
    html = render_markdown(
        "[a](http://example.com) [b](https://example.com) [c](mailto:x@example.com) "
        "[d](/about/) [e](ftp://example.com/file)"
    )

    hrefs = [link.get("href") for link in scan_fragment(html).links_in_posts]
    assert hrefs == [
        "http://example.com",
        "https://example.com",
        "mailto:x@example.com",
        "/about/",
        None,  # ftp: is not allowed; the link keeps its text and loses its target
    ]


# --- The XSS corpus, posted through the real posting path --------------------------------

# A copy of the shared public corpus travels with the tests, so a fresh clone runs it; a
# newer shared copy beside the project (../shared, as CI has it) adds its new lines.
CORPUS_PATHS = [
    Path(__file__).parent / "data" / "xss_vectors.txt",
    Path(__file__).resolve().parents[3] / "shared" / "security" / "xss_vectors.txt",
]
_ESCAPE = re.compile(r"\\(n|r|t|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4})")


def _decode(line: str) -> str:
    # The decoder given in the corpus header, verbatim in behaviour.
    return _ESCAPE.sub(
        lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m.group(1)) or chr(int(m.group(1)[1:], 16)),
        line,
    )


def _corpus() -> list[str]:
    payloads: dict[str, None] = {}
    for path in CORPUS_PATHS:
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            payloads.update(dict.fromkeys(_decode(ln) for ln in lines if ln and ln[0] != "#"))
    return list(payloads)


CORPUS = _corpus()
CORPUS_IDS = [f"line{number:03d}" for number in range(1, len(CORPUS) + 1)]


def test_corpus_decodes_to_at_least_the_346_payloads_its_header_announces() -> None:
    assert len(CORPUS) >= 346
    assert "\x00" in "".join(CORPUS)  # the escapes were decoded, not taken literally
    assert not any("\\u200b" in line for line in CORPUS)


@pytest.fixture(scope="module")
def corpus_author(django_db_setup: None, django_db_blocker: Any) -> Iterator[Member]:
    # One member for the whole corpus: Argon2 hashing per test would cost minutes. It is
    # made through the real action and removed at the end; every thread a test posts is
    # rolled back with that test's transaction.
    with django_db_blocker.unblock():
        author, _codes = actions.register_member(
            pseudonym="CorpusWriter", password="a calm and long passphrase"
        )
    yield author
    with django_db_blocker.unblock():
        Session.objects.all().delete()
        author.delete()


@pytest.fixture(scope="module")
def corpus_client(corpus_author: Member, django_db_blocker: Any) -> Client:
    client = Client()
    with django_db_blocker.unblock():
        client.force_login(corpus_author)
    return client


def _post_thread(client: Client, *, title: str, body: str) -> tuple[Any, str | None]:
    """POST /new/; returns the response and, when a thread was made, its page's HTML."""
    category = Category.objects.get(slug="questions-support")
    response = client.post("/new/", {"category": category.pk, "title": title, "body": body})
    if response.status_code != 302:
        return response, None
    page = client.get(response["Location"])
    assert page.status_code == 200
    return response, page.content.decode()


def _assert_page_is_clean(html: str, *, posts: int) -> MainScan:
    scan = scan_main(html)
    assert scan.main_seen
    assert scan.main_closed
    assert scan.problems == []
    # Nothing escaped its container: the page still holds exactly the posts it should.
    assert scan.articles == posts
    assert scan.post_bodies == posts
    # The only scripts on the page are the site's own files, none inline.
    scripts = re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE)
    assert '<script src="/static/js/site.js" defer>' in scripts
    for script in scripts:
        assert re.fullmatch(r'<script src="/static/js/[a-z]+\.js" defer>', script), script
    assert settings.SECRET_KEY not in html
    return scan


def _assert_refused_cleanly(response: Any) -> None:
    # A line the form refuses comes back as the form page with an error (or, for what looks
    # like an address or a phone number, the calm "publish anyway?" question), never a 500.
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        'class="field-errors"' in html
        or 'class="form-errors"' in html
        or 'id="confirm-identifying"' in html
    )
    scan = scan_main(html)
    assert scan.problems == []


@pytest.mark.django_db
@pytest.mark.parametrize("payload", CORPUS, ids=CORPUS_IDS)
def test_corpus_line_posted_as_body_renders_harmless(corpus_client: Client, payload: str) -> None:
    response, page = _post_thread(corpus_client, title="A corpus line as the body", body=payload)

    if page is None:
        _assert_refused_cleanly(response)
        assert not Thread.objects.filter(title="A corpus line as the body").exists()
        return
    _assert_page_is_clean(page, posts=1)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", CORPUS, ids=CORPUS_IDS)
def test_corpus_line_posted_as_title_renders_harmless(corpus_client: Client, payload: str) -> None:
    response, page = _post_thread(corpus_client, title=payload, body="A plain body.")

    if page is None:
        _assert_refused_cleanly(response)
        assert not Thread.objects.filter(posts__body="A plain body.").exists()
        return
    scan = _assert_page_is_clean(page, posts=1)
    # The title shows as the text that was typed, nothing more and nothing less.
    assert "".join(scan.h1_text) == payload.strip()


def test_main_scan_catches_what_it_looks_for() -> None:
    # The checker itself must be able to fail: each of these is reported.
    dirty = (
        '<main><div class="post-body">'
        '<a href="javascript:alert(1)">a</a>'
        '<a href="java\tscript:alert(1)" rel="nofollow ugc noopener noreferrer">b</a>'
        '<a href="https://x.example" rel="nofollow">c</a>'
        '<p onclick="x()">d</p><img src="https://x.example/i.png">'
        '<script>alert(1)</script><form action="/"></form><span style="x">e</span>'
        "</div></main>"
    )

    problems = "\n".join(scan_main(dirty).problems)

    for expected in (
        "scheme javascript:",
        "rel='nofollow'",
        "event attribute onclick=",
        "<img> in a post body",
        "resource attribute src=",
        "<script> in a post body",
        "<form> in a post body",
        "attribute style= on <span>",
        "<span> is not on the post allow-list",
    ):
        assert expected in problems
