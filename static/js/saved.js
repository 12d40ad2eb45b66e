// Own Pace: the reader's own "Saved" marks on a thread page. Every post carries the same
// "Save" link for every reader (the fragments are shared); this asks the server which of
// this thread's posts the signed-in reader saved and marks those links. Without it the
// link still leads to a page that says whether the post is saved.
(function () {
  "use strict";
  var marker = document.getElementById("saved-posts");
  if (!marker || !window.fetch) return;
  var text = marker.getAttribute("data-text-saved") || "Saved";

  function mark(ids) {
    ids.forEach(function (id) {
      if (typeof id !== "number" || id !== Math.floor(id)) return;
      var post = document.getElementById("post-" + id);
      var link = post && post.querySelector('a[href$="/p/' + id + '/save/"]');
      if (!link) return;
      link.textContent = text;
      link.classList.add("is-saved");
    });
  }

  fetch(marker.getAttribute("data-saved-url"), {
    credentials: "same-origin",
    headers: { Accept: "application/json" }
  })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) { if (data && Array.isArray(data.post_ids)) mark(data.post_ids); })
    .catch(function () { /* the links still work without the marks */ });
})();
