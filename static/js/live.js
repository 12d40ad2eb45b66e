// Own Pace: live thread pages. The socket only listens; on every (re)connect the page
// fetches over HTTP what it missed, so a dropped socket loses nothing. Optional: the page
// works without this file.
(function () {
  "use strict";
  var posts = document.getElementById("posts");
  if (!posts || !posts.dataset.socketPath) return;
  var data = posts.dataset, lastPage = data.isLastPage === "true";
  var lastId = Number(data.lastPostId) || 0;
  var byId = function (id) { return document.getElementById(id); };
  var status = byId("live-status"), readers = byId("live-readers"), button = byId("live-new");
  var elsewhere = byId("live-elsewhere"), announcer = byId("live-announce");
  var socket = null, attempt = 0, openedAt = 0, heardAt = 0, retry = 0;
  var stopped = false, fetching = false, fetchAgain = false, pending = [];
  // Where the next catch-up starts when it must look below lastId (replies the server
  // could not broadcast, older than a reply that arrived since); null: from lastId.
  var missedAfter = null;

  function show(element, text) {
    if (!element) return;
    element.textContent = text || "";
    // The status is a live region: it stays in the page, empty when all is well.
    if (element !== status) element.hidden = !text;
  }
  function count(text, n) { return text.replace("{count}", n); }
  function newText(n) { return n === 1 ? data.textNewReply : count(data.textNewReplies, n); }
  function dates(root) {
    var site = window.OwnPace;
    if (site && site.showRelativeDates) site.showRelativeDates(root);
  }
  function articleFrom(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var article = template.content.firstElementChild;
    return article && article.tagName === "ARTICLE" && article.dataset.postId ? article : null;
  }
  function endInView() { return posts.getBoundingClientRect().bottom <= innerHeight + 80; }

  // New replies, in order and once each. At the end of the list they simply appear; a
  // reader scrolled up keeps their place and is offered a button instead.
  function addPosts(list) {
    var added = [], hold = pending.length > 0 || !endInView();
    list.forEach(function (item) {
      var id = Number(item.id), article = !byId("post-" + id) && articleFrom(item.html);
      if (!article) return;
      approved(id);
      var later = [].find.call(posts.querySelectorAll("article[data-post-id]"), function (shown) {
        return Number(shown.dataset.postId) > id;
      });
      article.hidden = hold;
      posts.insertBefore(article, later || null);
      dates(article);
      lastId = Math.max(lastId, id);
      added.push(article);
    });
    if (!added.length) return;
    if (hold) {
      pending = pending.concat(added);
      show(button, newText(pending.length));
    }
    if (announcer) announcer.textContent = newText(added.length);
  }

  function reveal(scroll) {
    var first = pending[0];
    if (!first) return;
    pending.forEach(function (article) { article.hidden = false; });
    pending = [];
    show(button, "");
    if (!scroll) return;
    // The button is gone: focus moves to the first new reply, where reading goes on.
    first.setAttribute("tabindex", "-1");
    first.scrollIntoView({ block: "start" });
    first.focus({ preventScroll: true });
  }

  // The reader's own post that waited for approval now stands in the thread: it leaves
  // the "waiting for approval" box, and the box goes when it is empty.
  function approved(id) {
    var waiting = byId("held-post-" + id);
    if (!waiting) return;
    var box = waiting.parentNode;
    waiting.remove();
    if (box && !box.querySelector("[data-held-post-id]")) box.remove();
  }

  // An edit or a deletion: the post is replaced where it stands. The viewer's own links
  // after it stay, unless the post is now a tombstone.
  function replace(id, html) {
    var old = byId("post-" + id), article = old && articleFrom(html);
    if (!article) return;
    var links = old.nextElementSibling, index = pending.indexOf(old);
    // The text shown to its author or a moderator while under review is stale now.
    if (links && links.classList.contains("under-review")) {
      var stale = links;
      links = links.nextElementSibling;
      stale.remove();
    }
    article.hidden = old.hidden;
    if (index >= 0) pending[index] = article;
    old.replaceWith(article);
    var gone = article.classList.contains("post--deleted") ||
      article.classList.contains("post--removed");
    if (gone && links && links.classList.contains("viewer-actions")) links.remove();
    dates(article);
  }

  // Notes about the thread itself (locked, moved, removed), read out politely.
  function note(text, linkText, href) {
    var notes = byId("live-notes");
    if (!notes) return null;
    var line = document.createElement("p");
    line.className = "notice";
    line.textContent = text;
    if (linkText && href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = linkText;
      line.appendChild(document.createTextNode(" "));
      line.appendChild(link);
    }
    notes.appendChild(line);
    return line;
  }
  // Only addresses on this site are followed from a message.
  function ownPath(href) {
    return typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/" ? href : "";
  }

  // The reply form gives way to the locked notice; text already typed stays, read-only,
  // so it can be copied.
  function locked() {
    var section = byId("reply");
    if (!section || byId("reply-locked")) return;
    var form = section.querySelector("form"), area = form && form.querySelector("textarea");
    var notice = document.createElement("p");
    notice.className = "notice";
    notice.id = "reply-locked";
    notice.textContent = data.textLocked;
    var heading = section.querySelector("h2");
    section.insertBefore(notice, heading ? heading.nextSibling : section.firstChild);
    if (!form) return;
    if (area && area.value.trim()) {
      area.readOnly = true;
      [].forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
    } else {
      form.remove();
    }
  }

  function moved(name, href) {
    var link = byId("thread-category"), path = ownPath(href);
    if (link && name) {
      link.textContent = name;
      if (path) link.href = path;
    }
    if (name) note(data.textMoved.replace("{category}", name));
  }

  // The thread is gone from view: its posts and the reply form leave the page, a note
  // says why, and the page stops listening.
  function removed(guidelineTitle, guidelineHref) {
    stopped = true;
    clearTimeout(retry);
    [posts, byId("reply"), button, elsewhere].forEach(function (element) {
      if (element) element.hidden = true;
    });
    [].forEach.call(document.querySelectorAll(".pagination, .held-posts"), function (element) {
      element.hidden = true;
    });
    var line = note(data.textRemoved);
    if (line && guidelineTitle) {
      line.appendChild(document.createTextNode(" "));
      var link = document.createElement("a");
      link.href = ownPath(guidelineHref) || data.guidelinesUrl;
      link.textContent = data.textGuideline.replace("{guideline}", guidelineTitle);
      line.appendChild(link);
    }
    if (line) line.setAttribute("role", "alert");
    show(readers, "");
    show(status, "");
    if (socket) socket.close(1000);
  }

  function catchUp() {
    if (!lastPage) return;
    if (fetching) { fetchAgain = true; return; }
    fetching = true;
    fetchAgain = false;
    var after = missedAfter === null ? lastId : missedAfter;
    missedAfter = null;
    fetch(data.postsUrl + "?after=" + after, {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (body) {
      var list = body.posts || [];
      addPosts(list);
      fetching = false;
      if (body.more && list.length) lookFrom(Number(list[list.length - 1].id));
      if (body.more || fetchAgain) catchUp();
    }).catch(function () {
      lookFrom(after);
      fetching = false;
      setTimeout(function () { if (socket) catchUp(); }, 5000);
    });
  }

  function lookFrom(id) {
    if (id < lastId) missedAfter = missedAfter === null ? id : Math.min(missedAfter, id);
  }

  function receive(event) {
    heardAt = Date.now();
    var message;
    try { message = JSON.parse(event.data); } catch (error) { return; }
    if (message.event === "reply_posted") {
      if (lastPage) addPosts([{ id: message.post_id, html: message.html }]);
      else if (elsewhere && elsewhere.hidden) {
        elsewhere.querySelector("a").href = data.postUrl.replace(/0\/$/, message.post_id + "/");
        elsewhere.hidden = false;
      }
    } else if (message.event === "replies_missed") {
      // The server could not broadcast some replies (its channel layer was down): here
      // they are, with every later one, as a catch-up would return them.
      var list = message.posts || [];
      if (lastPage) addPosts(list);
      if (message.more) {
        lookFrom(list.length ? Number(list[list.length - 1].id) : Number(message.after));
        catchUp();
      }
    } else if (message.event === "post_changed") {
      replace(message.post_id, message.html);
    } else if (message.event === "thread_locked") {
      locked();
    } else if (message.event === "thread_unlocked") {
      note(data.textUnlocked, data.textReload, location.pathname + location.search);
    } else if (message.event === "thread_moved") {
      moved(message.category_name, message.category_url);
    } else if (message.event === "thread_removed") {
      removed(message.guideline_title, message.guideline_url);
    } else if (message.event === "readers_changed") {
      show(readers, message.readers >= 2 ? count(data.textReaders, message.readers) : "");
    }
    // Other scripts of the page (reactions.js) hear every message, after the page
    // applied it.
    document.dispatchEvent(new CustomEvent("ownpace:live", { detail: message }));
  }

  function off() {
    stopped = true;
    show(readers, "");
    show(status, data.textOff);
  }

  function connect() {
    clearTimeout(retry);
    if (stopped || socket) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + location.host + data.socketPath);
    } catch (error) {
      return off();
    }
    var current = socket;
    current.onopen = function () {
      openedAt = heardAt = Date.now();
      show(status, "");
      catchUp();
    };
    current.onmessage = receive;
    current.onclose = function (event) { dropped(current, event.code); };
  }

  // A socket ended or went silent: wait 1 s, 2 s, 4 s … 30 s (±30%) and try again. The
  // wait starts over once a connection has lasted.
  function dropped(which, code) {
    if (which !== socket) return;
    which.onopen = which.onmessage = which.onclose = null;
    socket = null;
    if (code === 4403) return off();
    if (stopped) return;
    if (openedAt && Date.now() - openedAt > 5000) attempt = 0;
    openedAt = 0;
    show(readers, "");
    show(status, data.textPaused);
    var wait = Math.min(30000, 1000 * Math.pow(2, attempt++)) * (0.7 + Math.random() * 0.6);
    retry = setTimeout(connect, wait);
  }

  function ping() {
    if (!socket || socket.readyState !== 1) return;
    if (Date.now() - heardAt < 60000) return socket.send('{"type":"ping"}');
    var silent = socket;
    dropped(silent, 1006);
    silent.close();
  }

  function resume() {
    if (stopped) return;
    if (socket) return catchUp();
    attempt = 0;
    connect();
  }

  if (!("WebSocket" in window)) return off();
  if (button) button.addEventListener("click", function () { reveal(true); });
  addEventListener("scroll", function () {
    if (pending.length && endInView()) reveal(false);
  }, { passive: true });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") resume();
  });
  addEventListener("online", resume);
  addEventListener("pagehide", function () {
    stopped = true;
    if (socket) socket.close(1000);
  });
  addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    stopped = false;
    socket = null;
    resume();
  });
  setInterval(ping, 25000);
  connect();
})();
