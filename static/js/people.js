// Own Pace: posts the reader blocked or hid fold away for them. Every reader gets the same
// post fragments; the page names, for this reader only, the pseudonyms they blocked and
// the aliases they hid in this thread. A named post is matched by the pseudonym it shows,
// an anonymous one by the alias it shows: never the other way round, so a block never
// touches an anonymous post (that would tell the reader who wrote it).
(function () {
  "use strict";
  var posts = document.getElementById("posts");
  if (!posts) return;
  var data = posts.dataset;

  function names(raw) {
    try { return JSON.parse(raw || "[]") || []; } catch (e) { return []; }
  }
  var blocked = names(data.blockedPseudonyms), hidden = names(data.hiddenAliases);
  if (!blocked.length && !hidden.length) return;

  function noteFor(article) {
    var named = article.querySelector(".post-meta .post-author:not(.post-author--anonymous)");
    if (named && blocked.indexOf(named.textContent) !== -1) return data.textBlockedPost;
    var alias = article.querySelector(".post-meta .post-author--anonymous");
    if (alias && hidden.indexOf(alias.textContent) !== -1) return data.textHiddenAuthorPost;
    return "";
  }

  function fold(article) {
    if (article.dataset.peopleApplied) return;
    article.dataset.peopleApplied = "1";
    var text = noteFor(article);
    if (!text) return;
    var parts = [].slice.call(article.children);
    parts.forEach(function (part) { part.hidden = true; });
    article.classList.add("post--folded");
    var note = document.createElement("p");
    note.className = "folded-note";
    note.appendChild(document.createTextNode(text + " "));
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--quiet";
    button.textContent = data.textShowPost || "Show";
    button.addEventListener("click", function () {
      note.remove();
      article.classList.remove("post--folded");
      parts.forEach(function (part) { part.hidden = false; });
    });
    note.appendChild(button);
    article.insertBefore(note, article.firstChild);
  }

  function apply(root) {
    if (root.matches && root.matches("article.post")) fold(root);
    else if (root.querySelectorAll) [].forEach.call(root.querySelectorAll("article.post"), fold);
  }

  apply(posts);
  // Live replies and changed posts arrive as the same shared fragments.
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      [].forEach.call(change.addedNodes, function (node) {
        if (node.nodeType === 1) apply(node);
      });
    });
  }).observe(posts, { childList: true, subtree: true });
})();
