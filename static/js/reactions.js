// Own Pace: reactions without a reload. Each reaction button is a plain form post that
// works without this file; here the same post goes through fetch, the member's pressed
// buttons and the post's counts update in place, and counts changed by others arrive
// over the thread's socket (live.js passes its messages on as "ownpace:live" events).
(function () {
  "use strict";
  var posts = document.getElementById("posts");
  if (!posts || !window.fetch) return;

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  // The shared counts partial replaces the one on the page. A member who hides counts
  // has none on the page, so nothing is shown to them.
  function showCounts(postId, html) {
    var shown = document.getElementById("reaction-counts-" + postId);
    var fresh = html && fromHtml(html);
    if (!shown || !fresh || fresh.id !== shown.id) return;
    shown.replaceWith(fresh);
  }

  function showMine(form, mine) {
    [].forEach.call(form.querySelectorAll("button[name=kind]"), function (button) {
      button.setAttribute("aria-pressed", mine.indexOf(button.value) === -1 ? "false" : "true");
    });
  }

  posts.addEventListener("submit", function (event) {
    var form = event.target, button = event.submitter;
    if (!form.classList || !form.classList.contains("reaction-form")) return;
    if (!button || button.name !== "kind") return;
    event.preventDefault();
    var body = new FormData(form), status = form.querySelector(".reaction-status");
    body.append("kind", button.value);
    button.disabled = true;
    if (status) status.textContent = "";
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) throw new Error(answer.error || String(response.status));
        return answer;
      });
    }).then(function (answer) {
      showMine(form, answer.mine || []);
      showCounts(answer.post_id, answer.html);
    }).catch(function (error) {
      // A refusal's kind message, or the browser's own when the network failed; the
      // member can press again, or the plain form works after a reload.
      if (status) status.textContent = error.message;
    }).then(function () {
      button.disabled = false;
    });
  });

  // A reply that arrives live (or in the catch-up after a reconnect) gets a copy of the
  // page's own empty reactions block, made for post 0, with the reply's id.
  var holder = document.getElementById("reactions-model");
  var tombstones = ["post--deleted", "post--removed", "post--hidden"];
  function addBlock(article) {
    var id = article.dataset.postId, model = holder && holder.firstElementChild;
    if (!model || !id || document.getElementById("reactions-" + id)) return;
    if (tombstones.some(function (name) { return article.classList.contains(name); })) return;
    var block = model.cloneNode(true), counts = block.querySelector(".reaction-counts");
    var form = block.querySelector("form");
    block.id = "reactions-" + id;
    block.dataset.reactionsFor = id;
    if (counts) counts.id = "reaction-counts-" + id;
    if (form) {
      form.action = form.getAttribute("action").replace(/\/0\/react\/$/, "/" + id + "/react/");
    }
    article.after(block);
  }
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      [].forEach.call(record.addedNodes, function (node) {
        if (node.nodeType === 1 && node.matches("article[data-post-id]")) addBlock(node);
      });
    });
  }).observe(posts, { childList: true });

  document.addEventListener("ownpace:live", function (event) {
    var message = event.detail || {};
    if (message.event === "reactions_changed") {
      showCounts(message.post_id, message.html);
    } else if (message.event === "post_changed") {
      // A post that became a tombstone takes no reactions: its block goes.
      var article = document.getElementById("post-" + message.post_id);
      var block = document.getElementById("reactions-" + message.post_id);
      var gone = article && tombstones.some(function (name) {
        return article.classList.contains(name);
      });
      if (block && gone) block.remove();
    }
  });
})();
