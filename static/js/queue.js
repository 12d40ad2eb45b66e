// Own Pace: the review queue refreshes itself. The moderators' socket only says that the
// queue changed; the list is fetched again over HTTP. A moderator who is typing a reason
// or reading a post keeps the page as it is and is offered a button instead.
(function () {
  "use strict";
  var root = document.getElementById("queue");
  if (!root || !root.dataset.socketPath) return;
  var data = root.dataset, status = document.getElementById("queue-status");
  var changed = document.getElementById("queue-changed");
  var refresh = document.getElementById("queue-refresh");
  var socket = null, attempt = 0, fetching = false, again = false;

  function busy() {
    var list = document.getElementById("queue-items");
    if (!list) return false;
    var active = document.activeElement;
    if (active && list.contains(active) && active.tagName !== "BODY") return true;
    var typed = [].some.call(list.querySelectorAll("textarea, select"), function (field) {
      return field.tagName === "TEXTAREA" ? field.value.trim() !== "" : field.selectedIndex > 0;
    });
    return typed || list.querySelector("details[open]") !== null;
  }

  function replaceList(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.querySelector("#queue-items");
    var list = document.getElementById("queue-items");
    if (fresh && list) list.replaceWith(fresh);
    if (changed) changed.hidden = true;
    var site = window.OwnPace;
    if (site && site.showRelativeDates && fresh) site.showRelativeDates(fresh);
  }

  function load(force) {
    if (!force && busy()) { if (changed) changed.hidden = false; return; }
    if (fetching) { again = true; return; }
    fetching = true;
    again = false;
    fetch(data.itemsUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        fetching = false;
        // The moderator may have started typing or reading while the list was on its
        // way: their words and their place come first, the new list waits for the button.
        if (!force && busy()) { if (changed) changed.hidden = false; return; }
        replaceList(html);
        if (again) load(false);
      })
      .catch(function () { fetching = false; });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + data.socketPath);
    socket.addEventListener("open", function () {
      attempt = 0;
      if (status) status.textContent = "";
      load(false);
    });
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (message.event === "queue_changed") load(false);
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      if (event.code === 4403) return;
      if (status) status.textContent = data.textPaused || "";
      var delay = Math.min(1000 * Math.pow(2, attempt), 30000) * (0.7 + Math.random() * 0.6);
      attempt += 1;
      setTimeout(connect, delay);
    });
  }

  if (refresh) refresh.addEventListener("click", function () { load(true); });
  connect();
})();
