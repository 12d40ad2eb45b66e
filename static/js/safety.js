// Own Pace: "Leave quickly". The link in every page's top bar already goes to a neutral
// site without this file (rel="noreferrer"); this makes it safer:
//
// - on a click, or on Escape pressed three times within 1.5 seconds (inside a text field
//   too: someone typing may need to leave), the page's content is removed first, so
//   nothing stays on screen while the neutral site loads;
// - then `location.replace` puts the neutral site in place of this page in the tab's
//   history, so Back does not bring the forum page back.
//
// Nothing is sent to the server and nothing is stored: text typed but not yet sent is
// dropped with the page, on purpose.
(function () {
  "use strict";

  var PRESSES = 3;
  var WITHIN_MS = 1500;

  var link = document.getElementById("leave-quickly");
  if (!link) return;
  var url = link.getAttribute("data-leave-url");
  if (!url) return;
  var neutralTitle = link.getAttribute("data-neutral-title") || "";

  var leaving = false;
  var presses = [];

  function leave() {
    if (leaving) return;
    leaving = true;
    try {
      document.title = neutralTitle;
      var icons = document.querySelectorAll("link[rel~='icon']");
      for (var i = 0; i < icons.length; i++) icons[i].remove();
      var body = document.body;
      while (body && body.firstChild) body.removeChild(body.firstChild);
    } finally {
      // Whatever happened above, leave.
      window.location.replace(url);
    }
  }

  link.addEventListener("click", function (event) {
    // Opening it in a new tab (middle click, Ctrl or Cmd click) is the person's choice.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    leave();
  });

  // Capturing on the window: no other handler (a dialog, a field) can stop it first.
  window.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") return;
    if (event.repeat) return;  // a held key counts once
    var now = Date.now();
    presses.push(now);
    while (presses.length && now - presses[0] > WITHIN_MS) presses.shift();
    if (presses.length >= PRESSES) {
      event.preventDefault();
      leave();
    }
  }, true);

  // A page restored from the back/forward cache may have been left already: it must
  // never show again. (location.replace drops this page's history entry, so this is
  // only a second line of defence.)
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && leaving) window.location.replace(url);
  });
})();
