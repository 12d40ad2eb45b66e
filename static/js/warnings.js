// Own Pace: each reader's content-warning choices. The server sends every post with
// warnings folded behind them (a <details>, which works without this file) and the same
// bytes to every reader; this applies the reader's own choice from the page's data:
// "show" opens the post, "hide" replaces it with a note and a button, "collapse" leaves
// it folded. The most careful choice among a post's warnings wins.
(function () {
  "use strict";
  var posts = document.getElementById("posts");
  if (!posts) return;
  var data = posts.dataset, choices = {};
  try { choices = JSON.parse(data.contentWarningChoices || "{}") || {}; } catch (e) { choices = {}; }

  function choiceFor(details) {
    var warnings = (details.dataset.warnings || "").split(" ").filter(Boolean);
    var found = warnings.map(function (w) { return choices[w] || "collapse"; });
    if (found.indexOf("hide") !== -1) return "hide";
    if (found.length && found.every(function (c) { return c === "show"; })) return "show";
    return "collapse";
  }

  function hiddenNames(details) {
    var warnings = (details.dataset.warnings || "").split(" ").filter(Boolean);
    var names = details.querySelectorAll(".content-warning__name");
    var picked = [];
    warnings.forEach(function (w, i) {
      if (choices[w] === "hide" && names[i]) picked.push(names[i].textContent);
    });
    return picked.join(", ");
  }

  function hide(details) {
    var note = document.createElement("p");
    note.className = "content-warning-hidden";
    var text = (data.textWarningHidden || "{warnings}").replace("{warnings}", hiddenNames(details));
    note.appendChild(document.createTextNode(text + " "));
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--quiet";
    button.textContent = data.textWarningShowAnyway || "Show";
    button.addEventListener("click", function () {
      note.remove();
      details.hidden = false;
      details.open = true;
    });
    note.appendChild(button);
    details.hidden = true;
    details.parentNode.insertBefore(note, details);
  }

  function apply(root) {
    var list = root.querySelectorAll ? root.querySelectorAll("details.content-warning") : [];
    [].forEach.call(list, function (details) {
      if (details.dataset.applied) return;
      details.dataset.applied = "1";
      var choice = choiceFor(details);
      if (choice === "show") details.open = true;
      else if (choice === "hide") hide(details);
    });
  }

  apply(posts);
  // Live replies and changed posts arrive as the same shared fragments.
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      [].forEach.call(change.addedNodes, function (node) {
        if (node.nodeType === 1) apply(node.matches && node.matches("details.content-warning") ? node.parentNode : node);
      });
    });
  }).observe(posts, { childList: true, subtree: true });
})();
