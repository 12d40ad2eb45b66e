// Own Pace: small enhancements. Everything works without this file.
(function () {
  "use strict";

  // Dates arrive as exact, localised text; show them relative ("3 days ago") and keep the
  // exact date in the title for hover and focus. A <time data-exact> keeps its exact text
  // (the moderation log, where precision matters).
  var lang = document.documentElement.lang || "en";
  var relative = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" })
    : null;
  var steps = [
    ["year", 31536000], ["month", 2592000], ["week", 604800],
    ["day", 86400], ["hour", 3600], ["minute", 60]
  ];

  function relativeText(when) {
    var seconds = (when.getTime() - Date.now()) / 1000;
    for (var i = 0; i < steps.length; i++) {
      if (Math.abs(seconds) >= steps[i][1]) {
        return relative.format(Math.round(seconds / steps[i][1]), steps[i][0]);
      }
    }
    return relative.format(0, "second");
  }

  function showRelativeDates(root) {
    if (!relative) return;
    root.querySelectorAll("time[datetime]:not([data-exact])").forEach(function (element) {
      var when = new Date(element.getAttribute("datetime"));
      if (isNaN(when)) return;
      if (!element.hasAttribute("title")) element.setAttribute("title", element.textContent.trim());
      element.textContent = relativeText(when);
    });
  }

  // Sign-up: a suggested pseudonym fills the field when chosen.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-fill]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-fill"));
    if (field) { field.value = button.value; field.focus(); }
  });

  // Live updates insert fragments later; they show their dates the same way.
  window.OwnPace = window.OwnPace || {};
  window.OwnPace.showRelativeDates = showRelativeDates;

  document.addEventListener("DOMContentLoaded", function () { showRelativeDates(document); });
})();
