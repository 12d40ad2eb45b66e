"""The one door for trusted HTML: Markdown source in, sanitised HTML out.

markdown-it-py renders CommonMark with raw HTML disabled, so anything a member types
that looks like HTML is escaped before the sanitiser sees it. bleach then keeps only an
explicit allow-list of tags, attributes and URL schemes, and every link is marked so it
passes no referrer and no ranking. bleach receives no more releases: it is called from
this module only, and a strict Content-Security-Policy stands behind it.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from typing import Any

import bleach

# bleach re-exports html5lib's token filter base; its type stubs do not declare it.
from bleach.html5lib_shim import Filter  # type: ignore[attr-defined]
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "em",
        "strong",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"

# The page title is an h1 and each post sits under the page's h2s: a post's own
# headings start at h3 so a post never outranks the page.
HEADING_SHIFT = 2


def _demote_heading(tag: str) -> str:
    level = min(int(tag[1]) + HEADING_SHIFT, 6)
    return f"h{level}"


def _render_demoted_heading(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    # Serves both heading_open and heading_close, so the pair always matches.
    tokens[idx].tag = _demote_heading(tokens[idx].tag)
    return renderer.renderToken(tokens, idx, options, env)


def _render_image_as_link(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    # An image from another host would tell that host who is reading: it becomes a
    # plain link the reader may choose to follow.
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{html.escape(src)}">{html.escape(alt)}</a>'


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable("linkify")
    md.add_render_rule("heading_open", _render_demoted_heading)
    md.add_render_rule("heading_close", _render_demoted_heading)
    md.add_render_rule("image", _render_image_as_link)
    return md


class LinkRelFilter(Filter):
    """Gives every link the same rel, whatever the source said."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] in {"StartTag", "EmptyTag"} and token["name"] == "a":
                attrs = dict(token["data"])
                attrs[(None, "rel")] = LINK_REL
                token["data"] = attrs
            yield token


_markdown = _build_markdown()
_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[LinkRelFilter],
)


def render_markdown(source: str) -> str:
    """The HTML to store beside `source`. The only function whose output is marked safe."""
    return _cleaner.clean(_markdown.render(source)).strip()
