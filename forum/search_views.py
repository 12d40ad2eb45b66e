"""The search page. A search is sent as a POST so its words never appear in a URL.

A URL is kept where a search must leave no trace: the server's and any proxy's access
log, the browser's history and address-bar suggestions (on a shared device, a family
member's), and the Referer of the next request. A POST body is in none of them. The page
is never cached (no-store), the box asks the browser not to remember what was typed,
and the words are hidden from Django's error reports. Nothing here writes: a search is
a read, answered at once with its results (no redirect, which would need the words in a
URL or stored somewhere).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from forum import search as searching


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        required=False,
        strip=True,
        help_text=_(
            "Thread titles and posts you can read. Every word must appear. "
            "Your search is not saved or logged."
        ),
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    page = forms.IntegerField(
        required=False, min_value=1, max_value=searching.MAX_PAGES, widget=forms.HiddenInput
    )

    @sensitive_variables()
    def clean_q(self) -> str:
        text: str = self.cleaned_data["q"]
        if not text:
            raise forms.ValidationError(
                _("Please type a word or two to search for."), code="required"
            )
        if len(text) > searching.MAX_QUERY_LENGTH:
            raise forms.ValidationError(
                _("Please shorten your search to %(max)s characters or fewer."),
                code="max_length",
                params={"max": searching.MAX_QUERY_LENGTH},
            )
        words = searching.search_words(text)
        if not words:
            raise forms.ValidationError(
                _("Please search for words or numbers: punctuation alone finds nothing."),
                code="no_words",
            )
        if len(words) > searching.MAX_WORDS:
            raise forms.ValidationError(
                _("Please search for %(max)s words or fewer."),
                code="too_many_words",
                params={"max": searching.MAX_WORDS},
            )
        self.cleaned_data["words"] = words
        return text


@never_cache
@sensitive_variables()
@sensitive_post_parameters("q")
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """GET: the empty search box (a query string is ignored, never searched). POST: the
    results, a page at a time."""
    context: dict[str, Any] = {"per_page": searching.RESULTS_PER_PAGE}
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            context["page"] = searching.search(
                reader=request.user,
                words=form.cleaned_data["words"],
                page=form.cleaned_data["page"] or 1,
            )
    else:
        form = SearchForm()
    context["form"] = form
    return render(request, "forum/search.html", context)
