/* 春风政采助手 chat page: plain JavaScript, no framework.
 *
 * The conversation lives on the server; this page keeps only the session id (localStorage) and
 * redraws from GET /api/sessions/{id}/messages. New messages (the agent's reply above all) arrive
 * by server-sent events, or by polling every 3 s when EventSource is missing or keeps failing.
 * Every text is inserted with textContent / DOM nodes, never as HTML.
 */
(function () {
  "use strict";

  var SESSION_KEY = "chunfeng.session";
  var FEEDBACK_KEY = "chunfeng.feedback";
  var POLL_MS = 3000;
  var ROLE_LABELS = { assistant: "春风助手", agent: "人工客服" };
  var TICKET_STATES = {
    pending: "已转人工，等待工作人员回复",
    claimed: "工作人员正在处理您的问题",
    answered: "工作人员已回复",
    closed: "人工服务已结束"
  };

  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var box = document.getElementById("ask");
  var sendBtn = document.getElementById("send");
  var handoffBtn = document.getElementById("handoff");
  var ticketBar = document.getElementById("ticket-bar");
  // the server sets data-stream="1" when a language model writes answers: ask /api/chat/stream then
  var streaming = document.getElementById("app").getAttribute("data-stream") === "1" && typeof window.fetch === "function";

  var state = {
    sid: storageGet(SESSION_KEY),
    lastSeq: 0,
    seen: {},
    busy: false,
    es: null,
    esErrors: 0,
    pollTimer: null,
    title: document.title,
    unread: 0
  };

  // -- small helpers ------------------------------------------------------------------------
  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (e) { /* private mode: the conversation just won't survive a reload */ }
  }
  function feedbackGiven() {
    try { return JSON.parse(storageGet(FEEDBACK_KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  function rememberFeedback(messageId, helpful) {
    var all = feedbackGiven();
    all[messageId] = helpful ? 1 : 0;
    var keys = Object.keys(all);
    if (keys.length > 200) { delete all[keys[0]]; }
    storageSet(FEEDBACK_KEY, JSON.stringify(all));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clock(iso) {
    var d = iso ? new Date(iso) : null;
    if (!d || isNaN(d.getTime())) { return ""; }
    var hh = String(d.getHours()); var mm = String(d.getMinutes());
    return (hh.length < 2 ? "0" + hh : hh) + ":" + (mm.length < 2 ? "0" + mm : mm);
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  }
  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }
  // a long answer is read from its start, not from its last line
  function reveal(node) {
    if (node.offsetHeight <= log.clientHeight - 24) { scrollToEnd(); return; }
    var asked = node.previousElementSibling;  // keep the question in view above its answer
    var top = asked && asked.classList.contains("msg-user") && asked.offsetHeight < log.clientHeight / 3 ? asked : node;
    log.scrollTop = Math.max(0, top.offsetTop - 8);
  }

  // -- the JSON API ---------------------------------------------------------------------------
  function ApiError(status, code, message) {
    this.status = status; this.code = code; this.message = message;
  }

  function api(method, path, body) {
    var options = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (res) {
      return res.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
        if (res.ok) { return data || {}; }
        var err = data && data.error ? data.error : {};
        throw new ApiError(res.status, err.code || "http_" + res.status, err.message || "");
      });
    }, function () {
      throw new ApiError(0, "network", "");
    });
  }

  // POST /api/chat/stream: server-sent events over fetch (EventSource cannot POST). `delta` pieces
  // are shown as the model writes them (not yet checked); `done` is /api/chat's JSON with the final,
  // checked answer, which replaces them. Without a readable body the events are read at the end.
  function askStream(payload, onDraft) {
    var options = { method: "POST", credentials: "same-origin", body: JSON.stringify(payload),
                    headers: { "Content-Type": "application/json", "Accept": "text/event-stream" } };
    return fetch("/api/chat/stream", options).then(function (res) {
      if (!res.ok) {
        return res.text().then(function (raw) {
          var data = null;
          try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
          var err = data && data.error ? data.error : {};
          throw new ApiError(res.status, err.code || "http_" + res.status, err.message || "");
        });
      }
      var draft = "";
      var result = null;
      var buffer = "";
      function consume(text, last) {
        buffer += text;
        var blocks = buffer.split("\n\n");
        buffer = last ? "" : blocks.pop();
        blocks.forEach(function (block) {
          var event = "message"; var data = "";
          block.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) { event = line.slice(6).trim(); }
            else if (line.indexOf("data:") === 0) { data += line.slice(5).trim(); }
          });
          if (!data) { return; }
          var parsed;
          try { parsed = JSON.parse(data); } catch (e) { return; }
          if (event === "delta") { draft += parsed.text || ""; onDraft(draft); }
          else if (event === "done") { result = parsed; }
          else if (event === "error") {
            var err = parsed.error || {};
            result = new ApiError(500, err.code || "internal_error", err.message || "");
          }
        });
      }
      function finish() {
        if (result instanceof ApiError) { throw result; }
        if (!result) { throw new ApiError(0, "network", ""); }
        return result;
      }
      if (!res.body || !res.body.getReader || typeof window.TextDecoder !== "function") {
        return res.text().then(function (raw) { consume(raw, true); return finish(); });
      }
      var reader = res.body.getReader();
      var decoder = new TextDecoder("utf-8");
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) { consume(decoder.decode(), true); return finish(); }
          consume(decoder.decode(step.value, { stream: true }), false);
          return pump();
        });
      }
      return pump();
    }, function () {
      throw new ApiError(0, "network", "");
    });
  }

  function friendly(err, action) {
    var msg = err && err.message ? err.message : "";
    switch (err && err.status) {
      case 0: return action + "失败：网络连接不上，请检查网络后重试。";
      case 413: return "没有发送：" + (msg || "消息太长，请缩短内容后重试。");
      case 429: return "没有发送：" + (msg || "提问太频繁了，请稍后再试。");
      case 404: return msg || "会话已过期，请重新提问。";
      case 422: return msg || "内容有误，请修改后重试。";
      default:
        if (err && err.status >= 500) { return action + "失败：服务暂时不可用，请稍后再试。如果一直这样，可以拨打 12345 热线咨询。"; }
        return action + "失败：" + (msg || "请稍后再试。");
    }
  }

  // -- drawing the conversation ---------------------------------------------------------------
  function place(node, seq) {
    if (seq) {
      var later = null;
      var items = log.querySelectorAll(".msg[data-seq]");
      for (var i = 0; i < items.length; i++) {
        if (Number(items[i].getAttribute("data-seq")) > seq) { later = items[i]; break; }
      }
      if (later) { log.insertBefore(node, later); return; }
    }
    log.appendChild(node);
  }

  function citationList(citations, kind) {
    var wrap = el("details", "cites");
    var head = kind === "not_found" ? "可能相关的条款（" : "查看依据条款（";
    wrap.appendChild(el("summary", "cites-head", head + citations.length + " 条）"));
    citations.forEach(function (c) {
      var item = el("details", "cite");
      var head = el("summary", "cite-head");
      var label = c.label || (c.section || "").split(" > ").pop() || "";
      head.appendChild(el("span", "cite-name", "《" + (c.title || c.source || "") + "》" + label));
      if (c.doc_number) { head.appendChild(el("span", "cite-no", c.doc_number)); }
      item.appendChild(head);
      if (c.section) { item.appendChild(el("p", "cite-where", "位置：" + c.section.split(" > ").join(" › "))); }
      item.appendChild(el("p", "cite-text", c.text || ""));
      var meta = [c.issuer, c.date].filter(Boolean).join(" · ");
      if (meta) { item.appendChild(el("p", "cite-meta", meta)); }
      wrap.appendChild(item);
    });
    return wrap;
  }

  function feedbackRow(messageId) {
    var row = el("div", "feedback");
    var ask = el("span", "feedback-q", "这个答复有帮助吗？");
    var yes = el("button", "chip", "有用");
    var no = el("button", "chip", "没用");
    var note = el("p", "feedback-note");
    yes.type = "button"; no.type = "button";
    row.appendChild(ask); row.appendChild(yes); row.appendChild(no);

    function settle(helpful) {
      yes.disabled = true; no.disabled = true;
      (helpful ? yes : no).classList.add("chosen");
      ask.textContent = "感谢您的反馈";
      note.textContent = helpful ? "" : "已记录您的反馈，工作人员会跟进您的问题，回复会显示在本页面。";
      if (!helpful) { row.parentNode && row.parentNode.appendChild(note); }
    }
    var given = feedbackGiven()[messageId];
    if (given === 0 || given === 1) {
      setTimeout(function () { settle(given === 1); }, 0);
    }
    function send(helpful) {
      yes.disabled = true; no.disabled = true;
      api("POST", "/api/feedback", { message_id: messageId, helpful: helpful }).then(function (data) {
        rememberFeedback(messageId, helpful);
        settle(helpful);
        if (data.handoff) { showTicket(data.handoff); }
        catchUp();
      }, function (err) {
        yes.disabled = false; no.disabled = false;
        notice(friendly(err, "提交反馈"), "error");
      });
    }
    yes.addEventListener("click", function () { send(true); });
    no.addEventListener("click", function () { send(false); });
    return row;
  }

  function bubble(m) {
    var role = ({ user: 1, assistant: 1, agent: 1, system: 1 })[m.role] ? m.role : "system";
    var node = el("div", "msg msg-" + role);
    if (m.id) { node.setAttribute("data-id", m.id); }
    if (m.seq) { node.setAttribute("data-seq", String(m.seq)); }
    if (ROLE_LABELS[role]) {
      var who = el("div", "msg-who");
      who.appendChild(el("span", "msg-who-name", ROLE_LABELS[role]));
      var at = clock(m.created_at);
      if (at) { who.appendChild(el("span", "msg-who-time", at)); }
      node.appendChild(who);
    }
    var body = el("div", "bubble");
    body.appendChild(el("div", "text", m.text || ""));
    if (role === "assistant") {
      var cites = m.citations || [];
      if (cites.length) { body.appendChild(citationList(cites, m.kind)); }
      if (m.id && (m.kind === "answer" || m.kind === "faq")) { body.appendChild(feedbackRow(m.id)); }
    }
    node.appendChild(body);
    return node;
  }

  function render(m) {
    if (!m || !m.id) { return; }
    if (m.seq && m.seq > state.lastSeq) { state.lastSeq = m.seq; }
    var stick = nearBottom();
    var existing = state.seen[m.id];
    if (existing) {
      if (m.seq && !existing.getAttribute("data-seq")) { existing.setAttribute("data-seq", String(m.seq)); }
      return;
    }
    if (m.role === "user") {  // the bubble drawn while sending becomes the stored message
      var pending = log.querySelectorAll(".msg-user.pending");
      for (var i = 0; i < pending.length; i++) {
        if (pending[i].getAttribute("data-text") === (m.text || "").trim()) {
          pending[i].classList.remove("pending");
          pending[i].setAttribute("data-id", m.id);
          if (m.seq) { pending[i].setAttribute("data-seq", String(m.seq)); }
          state.seen[m.id] = pending[i];
          return;
        }
      }
    }
    var node = bubble(m);
    state.seen[m.id] = node;
    place(node, m.seq);
    if (m.role === "agent") { onAgentReply(); }
    if (m.role === "assistant" || m.role === "agent") { reveal(node); } else if (stick || m.role !== "user") { scrollToEnd(); }
  }

  function notice(text, kind) {
    var node = el("div", "msg msg-" + (kind === "error" ? "error" : "note"));
    node.appendChild(el("div", "bubble", text));
    log.appendChild(node);
    scrollToEnd();
    return node;
  }

  function onAgentReply() {
    if (document.hidden) {
      state.unread += 1;
      document.title = "【人工客服回复】" + state.title;
    }
    catchUpSoon();
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { state.unread = 0; document.title = state.title; }
  });

  function showTicket(t) {
    if (!t || !t.ticket_id) { return; }
    var status = t.status || "pending";
    ticketBar.textContent = "";
    if (status === "closed") { ticketBar.hidden = true; return; }
    ticketBar.appendChild(el("span", "ticket-state", TICKET_STATES[status] || TICKET_STATES.pending));
    ticketBar.appendChild(el("span", "ticket-no", "工单号 " + t.ticket_id));
    ticketBar.className = "ticket-bar ticket-" + status;
    ticketBar.hidden = false;
  }

  // -- keeping up with the server -----------------------------------------------------------------
  function catchUp() {
    if (!state.sid) { return Promise.resolve(); }
    return api("GET", "/api/sessions/" + encodeURIComponent(state.sid) + "/messages?after=" + state.lastSeq).then(function (data) {
      (data.messages || []).forEach(render);
      if (data.ticket) { showTicket(data.ticket); }
    }, function (err) {
      if (err.status === 404) { forgetSession(); }
    });
  }
  var catchUpTimer = null;
  function catchUpSoon() {
    clearTimeout(catchUpTimer);
    catchUpTimer = setTimeout(catchUp, 300);
  }

  function stopLive() {
    if (state.es) { state.es.close(); state.es = null; }
    if (state.pollTimer) { clearInterval(state.pollTimer); state.pollTimer = null; }
  }

  function startPolling() {
    stopLive();
    state.pollTimer = setInterval(catchUp, POLL_MS);
  }

  function startLive() {
    if (!state.sid) { return; }
    stopLive();
    if (!window.EventSource) { startPolling(); return; }
    var url = "/api/sessions/" + encodeURIComponent(state.sid) + "/events?after=" + state.lastSeq;
    var es;
    try { es = new EventSource(url); } catch (e) { startPolling(); return; }
    state.es = es;
    state.esErrors = 0;
    es.addEventListener("open", function () { state.esErrors = 0; });
    es.addEventListener("message", function (event) {
      var m;
      try { m = JSON.parse(event.data); } catch (e) { return; }
      render(m);
      if (m.role === "system" || m.role === "agent") { catchUpSoon(); }  // refreshes the ticket bar
    });
    es.addEventListener("error", function () {
      state.esErrors += 1;
      // closed for good (404, a proxy that refuses streams) or failing again and again: poll instead
      if (es.readyState === 2 || state.esErrors >= 3) { startPolling(); }
    });
  }

  function forgetSession() {
    stopLive();
    state.sid = null;
    state.lastSeq = 0;
    storageSet(SESSION_KEY, null);
    ticketBar.hidden = true;
  }

  function adoptSession(sid) {
    if (!sid || sid === state.sid) { return; }
    state.sid = sid;
    storageSet(SESSION_KEY, sid);
    startLive();
  }

  // -- asking -----------------------------------------------------------------------------------
  function setBusy(on) {
    state.busy = on;
    sendBtn.disabled = on;
    sendBtn.textContent = on ? "发送中" : "发送";
  }

  function ask(text, retried) {
    text = (text || "").trim();
    if (!text) { box.focus(); return Promise.resolve(); }
    if (state.busy) { return Promise.resolve(); }
    setBusy(true);
    var mine = el("div", "msg msg-user pending");
    mine.setAttribute("data-text", text);
    var mineBody = el("div", "bubble");
    mineBody.appendChild(el("div", "text", text));
    mine.appendChild(mineBody);
    log.appendChild(mine);
    var typing = el("div", "msg msg-assistant typing");
    typing.appendChild(el("div", "bubble", "正在查询政策文件…"));
    log.appendChild(typing);
    scrollToEnd();

    var payload = { message: text };
    if (state.sid) { payload.session_id = state.sid; }
    var asking = streaming ? askStream(payload, function (draft) {
      typing.firstChild.textContent = draft;
      typing.classList.add("drafting");
      scrollToEnd();
    }) : api("POST", "/api/chat", payload);
    return asking.then(function (data) {
      typing.remove();
      adoptSession(data.session_id);
      render({ id: data.message_id, role: "assistant", text: data.answer, citations: data.citations, kind: data.kind,
               created_at: new Date().toISOString() });
      if (data.handoff) { showTicket(data.handoff); }
      if (data.suggest_handoff) { suggestHandoff(); }
      setBusy(false);
      return catchUp();
    }, function (err) {
      typing.remove();
      mine.remove();
      setBusy(false);
      if (err.status === 404 && state.sid && !retried) {  // the old conversation expired: start a new one
        forgetSession();
        return ask(text, true);
      }
      if (!box.value) { box.value = text; grow(); }
      notice(friendly(err, "发送"), "error");
    });
  }

  function suggestHandoff() {
    var node = notice("如果以上答复没有解决您的问题，可以转给工作人员处理。", "note");
    var btn = el("button", "chip chip-strong", "转人工");
    btn.type = "button";
    btn.addEventListener("click", function () { btn.disabled = true; handoff(); });
    node.querySelector(".bubble").appendChild(btn);
  }

  function handoff() {
    if (state.busy) { return; }
    if (!state.sid) { ask("转人工"); return; }  // no conversation yet: the request itself opens one
    handoffBtn.disabled = true;
    var before = state.lastSeq;
    api("POST", "/api/handoff", { session_id: state.sid }).then(function (data) {
      showTicket({ ticket_id: data.ticket_id, status: data.status });
      return catchUp().then(function () {
        if (state.lastSeq === before) {  // already with a person: no new notice from the server
          notice("您的问题已转给工作人员（工单号 " + data.ticket_id + "），请留在本页面等候回复。", "note");
        }
      });
    }, function (err) {
      if (err.status === 404) { forgetSession(); ask("转人工"); return; }
      notice(friendly(err, "转人工"), "error");
    }).then(function () { handoffBtn.disabled = false; });
  }

  // -- wiring -----------------------------------------------------------------------------------
  function grow() {
    box.style.height = "auto";
    box.style.height = Math.min(box.scrollHeight, 132) + "px";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = box.value;
    if (!text.trim() || state.busy) { box.focus(); return; }
    box.value = "";
    grow();
    ask(text);
  });
  box.addEventListener("input", grow);
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.dispatchEvent(new Event("submit", { cancelable: true })); }
    }
  });
  handoffBtn.addEventListener("click", handoff);
  Array.prototype.forEach.call(document.querySelectorAll(".example"), function (btn) {
    btn.addEventListener("click", function () { ask(btn.getAttribute("data-question")); });
  });

  if (state.sid) {
    api("GET", "/api/sessions/" + encodeURIComponent(state.sid) + "/messages?after=0").then(function (data) {
      (data.messages || []).forEach(render);
      if (data.ticket) { showTicket(data.ticket); }
      scrollToEnd();
      startLive();
    }, function (err) {
      if (err.status === 404) { forgetSession(); return; }
      notice("暂时无法加载之前的对话记录，请稍后刷新页面。", "error");
      startLive();
    });
  }
})();
