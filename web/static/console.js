/* 春风政采助手 agent console: the knowledge-base search panel and confirmations.
 * Everything else on the console is plain HTML forms. Texts are inserted with textContent only.
 */
(function () {
  "use strict";

  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  var transcript = document.querySelector(".transcript");
  if (transcript) { transcript.scrollTop = transcript.scrollHeight; }  // the latest messages first in view

  // the reply being typed survives a reload (and is forgotten once sent)
  var replyBox = document.getElementById("reply-text");
  var ticketId = transcript ? transcript.getAttribute("data-ticket") : null;
  var draftKey = ticketId ? "chunfeng.draft." + ticketId : null;
  function store(value) {
    try { if (value) { sessionStorage.setItem(draftKey, value); } else { sessionStorage.removeItem(draftKey); } } catch (e) { /* ignore */ }
  }
  if (draftKey) {
    if (/[?&]done=(replied|closed)/.test(location.search)) { store(""); }
    if (replyBox) {
      var saved = null;
      try { saved = sessionStorage.getItem(draftKey); } catch (e) { saved = null; }
      if (saved && !replyBox.value) { replyBox.value = saved; }
      replyBox.addEventListener("input", function () { store(replyBox.value); });
    }
  }

  // tell the agent when the user writes again, without reloading under their typing
  if (ticketId) {
    var known = Number(transcript.getAttribute("data-count")) || 0;
    var news = document.getElementById("news");
    var newsText = document.getElementById("news-text");
    document.getElementById("news-reload").addEventListener("click", function () {
      if (replyBox) { store(replyBox.value); }
      location.replace(location.pathname);
    });
    setInterval(function () {
      fetch("/api/agent/tickets/" + encodeURIComponent(ticketId), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (data) {
          if (!data || !data.messages) { return; }
          var fresh = data.messages.slice(known).filter(function (m) { return m.role === "user"; }).length;
          if (data.messages.length > known) {
            newsText.textContent = fresh ? "用户发来了 " + fresh + " 条新消息。" : "对话有更新。";
            news.hidden = false;
          }
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }, 15000);
  }

  var search = document.getElementById("kb-search");
  if (!search) { return; }
  var input = document.getElementById("kb-q");
  var status = document.getElementById("kb-status");
  var results = document.getElementById("kb-results");
  var reply = document.getElementById("reply-text");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function quote(hit) {
    var where = hit.label || (hit.section || "").split(" > ").pop() || "";
    var number = hit.doc_number ? "（" + hit.doc_number + "）" : "";
    return "《" + hit.title + "》" + where + number + "：" + hit.text;
  }

  function insert(hit, button) {
    if (!reply) { status.textContent = "工单已关闭，不能再答复。"; return; }
    var text = quote(hit);
    var current = reply.value.replace(/\s+$/, "");
    reply.value = current ? current + "\n" + text : text;
    reply.focus();
    reply.scrollTop = reply.scrollHeight;
    button.textContent = "已插入";
    setTimeout(function () { button.textContent = "插入引用"; }, 1500);
  }

  function show(hits) {
    results.textContent = "";
    if (!hits.length) { status.textContent = "没有找到相关条款，请换个关键词试试。"; return; }
    status.textContent = "找到 " + hits.length + " 条相关条款：";
    hits.forEach(function (hit) {
      var item = el("li", "kb-hit");
      var head = el("div", "kb-hit-head");
      var where = hit.label || (hit.section || "").split(" > ").pop() || "";
      head.appendChild(el("span", "kb-hit-name", "《" + hit.title + "》" + where));
      if (hit.doc_number) { head.appendChild(el("span", "kb-hit-no", hit.doc_number)); }
      item.appendChild(head);
      item.appendChild(el("p", "kb-hit-text", hit.text));
      var btn = el("button", "btn small", "插入引用");
      btn.type = "button";
      btn.addEventListener("click", function () { insert(hit, btn); });
      item.appendChild(btn);
      results.appendChild(item);
    });
  }

  search.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = input.value.trim();
    if (!q) { input.focus(); return; }
    status.textContent = "正在搜索…";
    fetch("/api/agent/search?k=8&q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (res.status === 401) { throw new Error("登录已过期，请刷新页面重新登录。"); }
          if (!res.ok) { throw new Error((data.error && data.error.message) || "搜索失败，请稍后重试。"); }
          return data;
        });
      })
      .then(function (data) { show(data.results || []); },
            function (err) { results.textContent = ""; status.textContent = err && err.message && err.message !== "Failed to fetch" ? err.message : "网络连接失败，请稍后重试。"; });
  });
})();
