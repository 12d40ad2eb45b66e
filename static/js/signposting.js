// Own Pace: wellbeing signposting in the composer (forum/signposting.py says why and how).
// While a member writes, words about self-harm, suicide or assault open a calm note with
// the "Get help now" resources. Nothing is sent, stored or counted: the check runs here,
// on the words the form already carries. Without JavaScript the server shows the same note
// when the composer comes back with a draft.
(function () {
  "use strict";

  function normalise(text) {
    return text.toLowerCase().replace(/\u2019/g, "'").replace(/[^\p{L}\p{N}']+/gu, " ").trim();
  }

  function escapeForPattern(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // The same matching as forum/signposting.py: whole words from a word start; a term
  // ending in "*" matches any word that begins with it.
  function matcher(terms) {
    var alternatives = terms.map(function (term) {
      var stem = term.slice(-1) === "*";
      var words = escapeForPattern(normalise(stem ? term.slice(0, -1) : term));
      return stem ? words : words + "(?![\\p{L}\\p{N}'])";
    });
    return new RegExp("(?<![\\p{L}\\p{N}'])(?:" + alternatives.join("|") + ")", "u");
  }

  function mentionsCrisis(pattern, texts) {
    return texts.some(function (text) { return text && pattern.test(normalise(text)); });
  }

  function watch(form) {
    var note = form.querySelector("[data-signpost]");
    if (!note) return;
    var pattern = matcher(JSON.parse(form.getAttribute("data-signpost-terms")));
    var dismissed = false;
    var dismiss = note.querySelector("[data-signpost-dismiss]");
    dismiss.hidden = false;
    dismiss.addEventListener("click", function () {
      // The member is in charge: once hidden, it stays hidden on this page.
      dismissed = true;
      note.hidden = true;
    });
    var timer = null;
    function check() {
      var fields = form.querySelectorAll("textarea[name=body], input[name=title]");
      var texts = Array.prototype.map.call(fields, function (field) { return field.value; });
      note.hidden = dismissed || !mentionsCrisis(pattern, texts);
    }
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 400);
    });
  }

  window.OwnPace = window.OwnPace || {};
  window.OwnPace.mentionsCrisis = function (terms, text) {
    return mentionsCrisis(matcher(terms), [text]);
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-signpost-terms]").forEach(watch);
  });
})();
