// Own Pace: the unread notification count in the header, kept current while a signed-in
// member has any page open. Included only for signed-in members; without it the
// "Notifications" link still leads to the list.
//
// The socket at /ws/me/ carries only {"event": "notifications_changed", "unread": N}
// and {"event": "notices_changed", "unread": N} (notices from moderators). It may drop
// at any time; on every (re)connect both counts are fetched again over HTTP, so a change
// made while it was down is never lost.
(function () {
  "use strict";

  var PING_MS = 25000;
  var FIRST_RETRY_MS = 1000;
  var LONGEST_RETRY_MS = 60000;

  var link = document.getElementById("notifications-link");
  if (!link || !window.WebSocket || !window.fetch) return;
  var badge = document.getElementById("unread-count");
  var number = badge && badge.querySelector("[data-count]");
  if (!number) return;
  var noticesLink = document.getElementById("notices-link");
  var noticesBadge = document.getElementById("unread-notices");
  var noticesNumber = noticesBadge && noticesBadge.querySelector("[data-count]");

  var unreadUrl = link.getAttribute("data-unread-url");
  var socketUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
    link.getAttribute("data-socket-path");

  var socket = null;
  var pingTimer = null;
  var retryTimer = null;
  var failures = 0;
  // Bumped by every count the socket brings, so an older HTTP answer never overwrites it.
  var version = 0;
  var noticesVersion = 0;

  function showIn(where, count, unread) {
    if (!where || !count) return;
    if (typeof unread !== "number" || unread < 0 || unread !== Math.floor(unread)) return;
    count.textContent = String(unread);
    where.hidden = unread === 0;
  }
  function show(unread) { showIn(badge, number, unread); }
  function showNotices(unread) { showIn(noticesBadge, noticesNumber, unread); }

  function ask(url, current, then) {
    var asked = current();
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && asked === current()) then(data.unread); })
      .catch(function () { /* the next (re)connect asks again */ });
  }

  function catchUp() {
    ask(unreadUrl, function () { return version; }, show);
    if (noticesLink && noticesNumber) {
      ask(noticesLink.getAttribute("data-unread-url"), function () { return noticesVersion; },
        showNotices);
    }
  }

  function stopPinging() {
    if (pingTimer) { clearInterval(pingTimer); pingTimer = null; }
  }

  function scheduleReconnect() {
    if (retryTimer) return;
    // Exponential backoff with full jitter: after a server restart, pages come back
    // spread out rather than all in the same second.
    var ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * Math.pow(2, failures));
    failures += 1;
    var delay = ceiling / 2 + Math.random() * ceiling / 2;
    retryTimer = setTimeout(function () { retryTimer = null; connect(); }, delay);
  }

  function connect() {
    try {
      socket = new WebSocket(socketUrl);
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      failures = 0;
      catchUp();
      stopPinging();
      pingTimer = setInterval(function () {
        if (socket && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ type: "ping" }));
        }
      }, PING_MS);
    });
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (error) { return; }
      if (data && data.event === "notifications_changed") {
        version += 1;
        show(data.unread);
      } else if (data && data.event === "notices_changed") {
        noticesVersion += 1;
        showNotices(data.unread);
      }
    });
    socket.addEventListener("close", function () {
      socket = null;
      stopPinging();
      scheduleReconnect();
    });
  }

  // A page restored from the back/forward cache shows an old count: ask again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) catchUp();
  });
  // Back online: try now instead of waiting out the backoff.
  window.addEventListener("online", function () {
    if (socket || !retryTimer) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    failures = 0;
    connect();
  });

  connect();
})();
