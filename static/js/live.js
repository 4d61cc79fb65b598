// Live updates (API.md "Live updates (WebSocket)"): one socket per page to /ws/.
// Subscribes to the posts on the page (elements with data-post-id, also those added later by
// htmx), updates [data-likes-count="ID"] and [data-comments-count="ID"] in place, appends
// and removes comments in [data-live-comments="ID"], and keeps the notification badge
// ([data-live-badge]) current. Reconnects with exponential backoff; the server answers each
// subscribe with the current counts, so a reconnect refreshes them once.
// Without this script every page still works, only not live.
(function () {
  "use strict";

  var MAX_POSTS = 100;
  var socket = null;
  var watched = [];  // post ids this socket asked for, oldest first
  var attempt = 0;
  var timer = null;

  function postIds() {
    var ids = [];
    document.querySelectorAll("[data-post-id]").forEach(function (element) {
      var id = parseInt(element.getAttribute("data-post-id"), 10);
      if (id > 0 && ids.indexOf(id) === -1) ids.push(id);
    });
    // The server watches at most 100 posts per socket: the newest on the page win.
    return ids.slice(-MAX_POSTS);
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function sync() {
    var wanted = postIds();
    var gone = watched.filter(function (id) { return wanted.indexOf(id) === -1; });
    var added = wanted.filter(function (id) { return watched.indexOf(id) === -1; });
    if (gone.length) send({ type: "unsubscribe", posts: gone });
    if (added.length) send({ type: "subscribe", posts: added });
    watched = wanted;
  }

  function setText(selector, value) {
    document.querySelectorAll(selector).forEach(function (element) {
      element.textContent = String(value);
    });
  }

  function onCounts(event) {
    setText('[data-likes-count="' + event.post + '"]', event.likes_count);
    setText('[data-comments-count="' + event.post + '"]', event.comments_count);
  }

  function onCommentCreated(event) {
    var list = document.querySelector('[data-live-comments="' + event.post + '"]');
    var comment = event.comment;
    if (!list || document.getElementById("comment-" + comment.id)) return;
    var item = document.createElement("li");
    item.id = "comment-" + comment.id;
    item.className = "flex items-start gap-2 text-sm";
    item.setAttribute("data-testid", "comment");
    item.setAttribute("data-live-comment", "");
    var text = document.createElement("p");
    text.className = "flex-1 break-words";
    var author = document.createElement("a");
    author.className = "font-semibold";
    author.href = "/" + encodeURIComponent(comment.author.username) + "/";
    author.textContent = comment.author.username;
    var body = document.createElement("span");
    body.className = "whitespace-pre-line";
    body.textContent = comment.text;
    text.appendChild(author);
    text.appendChild(document.createTextNode(" "));
    text.appendChild(body);
    item.appendChild(text);
    addCommentActions(list, item, comment);
    list.appendChild(item);
    if (window.htmx) window.htmx.process(item);
  }

  // The same actions as the server's rendering (posts/_comment.html): Delete for the
  // comment's author and the post's author, Report for anyone else logged in. The list
  // carries the viewer, the post's author and the comments URL (data-viewer, ...).
  function addCommentActions(list, item, comment) {
    var viewer = list.getAttribute("data-viewer");
    var base = list.getAttribute("data-comments-url");
    if (!viewer || !base) return;
    var url = base + comment.id + "/";
    var mine = viewer === comment.author.username;
    if (mine || viewer === list.getAttribute("data-post-author")) {
      var form = document.createElement("form");
      form.method = "post";
      form.action = url + "delete/";
      form.setAttribute("hx-post", url + "delete/");
      form.setAttribute("hx-target", "#comment-" + comment.id);
      form.setAttribute("hx-swap", "outerHTML");
      form.setAttribute("hx-confirm", "Delete this comment?");
      var token = document.querySelector('meta[name="csrf-token"]');
      var csrf = document.createElement("input");
      csrf.type = "hidden";
      csrf.name = "csrfmiddlewaretoken";
      csrf.value = token ? token.content : "";
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "text-xs text-gray-400 hover:text-red-600";
      button.setAttribute("aria-label", "Delete comment");
      button.textContent = "Delete";
      form.appendChild(csrf);
      form.appendChild(button);
      item.appendChild(form);
    }
    if (!mine) {
      var report = document.createElement("a");
      report.href = url + "report/";
      report.className = "text-xs text-gray-400 hover:text-red-600";
      report.setAttribute("aria-label", "Report comment");
      report.setAttribute("data-testid", "report-comment-link");
      report.textContent = "Report";
      item.appendChild(report);
    }
  }

  // A comment posted from this page may arrive live before htmx appends the server's own
  // rendering of it (with its Delete button): keep that one.
  function dedupe() {
    document.querySelectorAll("[data-live-comment]").forEach(function (item) {
      if (document.querySelectorAll('[id="' + item.id + '"]').length > 1) item.remove();
    });
  }

  function onCommentDeleted(event) {
    var item = document.getElementById("comment-" + event.comment);
    if (item) item.remove();
  }

  // `notification` (a new one) and `notifications.unread` both carry the new unread count.
  function onNotification(event) {
    document.querySelectorAll("[data-live-badge]").forEach(function (link) {
      var badge = link.querySelector("[data-unread-count]");
      if (!badge && event.unread_count > 0) {
        badge = document.createElement("span");
        badge.className = link.getAttribute("data-live-badge");
        badge.setAttribute("data-unread-count", "");
        link.appendChild(badge);
      }
      if (!badge) return;
      if (event.unread_count > 0) {
        badge.textContent = String(event.unread_count);
        badge.setAttribute("aria-label", event.unread_count + " unread");
        badge.hidden = false;
      } else {
        badge.hidden = true;
      }
    });
  }

  var handlers = {
    "post.counts": onCounts,
    "comment.created": onCommentCreated,
    "comment.deleted": onCommentDeleted,
    notification: onNotification,
    // Unread notifications deleted (their post or comment went) or read on another page.
    "notifications.unread": onNotification,
  };

  function connect() {
    timer = null;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/");
    socket.addEventListener("open", function () {
      attempt = 0;
      watched = [];
      sync();
    });
    socket.addEventListener("message", function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      // A hook for tests and styles: the page is live once the server confirmed.
      if (event.type === "subscribed") document.documentElement.setAttribute("data-live", "on");
      var handler = handlers[event.type];
      if (handler) handler(event);
    });
    socket.addEventListener("close", function () {
      socket = null;
      document.documentElement.removeAttribute("data-live");
      if (timer === null) {
        // 1 s, 2 s, 4 s ... at most 30 s, with jitter so clients spread out.
        var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
        attempt += 1;
        timer = window.setTimeout(connect, delay);
      }
    });
  }

  // A comment posted from this page may arrive live before htmx's response: drop the live
  // copy just before htmx swaps in the server's rendering (with its Delete button), so the
  // comment is never on the page twice.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var html = event.detail.serverResponse || "";
    var ids = html.match(/id="comment-\d+"/g) || [];
    ids.forEach(function (attribute) {
      var copy = document.getElementById(attribute.slice(4, -1));
      if (copy && copy.hasAttribute("data-live-comment")) copy.remove();
    });
  });

  function start() {
    var needed = document.querySelector("[data-post-id], [data-live-badge]");
    if (!needed || !("WebSocket" in window)) return;
    connect();
    var pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      window.setTimeout(function () { pending = false; dedupe(); sync(); }, 50);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
