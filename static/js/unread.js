// Own Pace: replies that arrive live count as read once they are shown on the member's
// screen (at the end of the list while the tab is in front, or revealed with the "new
// replies" button). The server hears it through a plain POST, never the socket. Without
// this file they count the next time a page of the thread loads.
(function () {
  "use strict";
  var posts = document.getElementById("posts");
  if (!posts || !posts.dataset.readUrl || !window.fetch) return;
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!token) return;
  var shownThrough = 0, sentThrough = Number(posts.dataset.lastPostId) || 0, timer = 0;

  function send() {
    timer = 0;
    if (document.visibilityState !== "visible" || shownThrough <= sentThrough) return;
    var through = shownThrough, body = new FormData();
    body.append("csrfmiddlewaretoken", token.value);
    body.append("through", String(through));
    fetch(posts.dataset.readUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { if (response.ok) sentThrough = Math.max(sentThrough, through); })
      .catch(function () { /* counted at the next page load instead */ });
  }
  // A few replies in a row make one request.
  function soon() { if (!timer) timer = setTimeout(send, 1000); }

  function seen(article) {
    if (article.hidden) return;
    shownThrough = Math.max(shownThrough, Number(article.dataset.postId) || 0);
    soon();
  }
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === "attributes") {
        if (record.target.matches("article[data-post-id]")) seen(record.target);
        return;
      }
      [].forEach.call(record.addedNodes, function (node) {
        if (node.nodeType === 1 && node.matches("article[data-post-id]")) seen(node);
      });
    });
  }).observe(posts, { childList: true, attributes: true, attributeFilter: ["hidden"], subtree: true });
  document.addEventListener("visibilitychange", soon);
})();
