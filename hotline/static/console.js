/* 春风政采助手 12345 operator console: search as you type, keyboard first, copy the standard
 * script, open a pre-filled work order. Every text from the server is inserted with textContent.
 *
 * Keys (outside text fields): ↑/↓ select · Enter/→ full provision · C copy script · W work order ·
 * / back to the search box · Esc back / close. In the search box: ↓ into the results, Enter search
 * (or open the top result when already searched), Esc into the results.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 200;
  var K = 8;

  function $(id) { return document.getElementById(id); }
  var form = $("hl-form"), q = $("hl-q"), source = $("hl-source"), category = $("hl-category");
  var list = $("hl-results"), status = $("hl-status"), howto = $("hl-empty"), toastBox = $("hl-toast");
  var panel = $("hl-panel"), panelEmpty = $("hl-panel-empty"), panelBody = $("hl-panel-body");
  var dialog = $("hl-wo"), woForm = $("hl-wo-form"), woDone = $("hl-wo-done"), woError = $("hl-wo-error");
  var woSubmit = $("hl-wo-submit");
  if (!form || !q) { return; }

  var state = { hits: [], sel: -1, open: -1, query: "", lastKey: null, seq: 0, ctrl: null, timer: null, pending: null };
  var call = { started: null };  // the call being taken: when its first question was typed
  var wo = { key: null, done: false, contentEdited: false, categoryEdited: false, returnTo: null, busy: false };

  // -- small helpers ---------------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function button(label, key, className) {
    var b = el("button", className || "btn small");
    b.type = "button";
    b.appendChild(document.createTextNode(label + " "));
    if (key) { b.appendChild(el("kbd", "", key)); }
    return b;
  }

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) { window.crypto.getRandomValues(bytes); }
    else { for (var i = 0; i < 16; i++) { bytes[i] = Math.floor(Math.random() * 256); } }
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function isoLocal(d) {  // 2026-11-25T10:30:00+08:00
    var off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  function clock(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()); }

  /** The text with the spans (code-point offsets from the server) wrapped in <mark>. */
  function marked(text, spans) {
    var frag = document.createDocumentFragment();
    var chars = Array.from ? Array.from(text || "") : String(text || "").split("");
    var pos = 0;
    (spans || []).slice().sort(function (a, b) { return a[0] - b[0]; }).forEach(function (span) {
      var a = Math.max(pos, Math.min(chars.length, span[0] | 0)), b = Math.min(chars.length, span[1] | 0);
      if (b <= a) { return; }
      if (a > pos) { frag.appendChild(document.createTextNode(chars.slice(pos, a).join(""))); }
      frag.appendChild(el("mark", "", chars.slice(a, b).join("")));
      pos = b;
    });
    if (pos < chars.length) { frag.appendChild(document.createTextNode(chars.slice(pos).join(""))); }
    return frag;
  }

  /** The distinct words of the provision that matched the question, in order of appearance. */
  function matchedWords(hit) {
    var chars = Array.from ? Array.from(hit.text || "") : String(hit.text || "").split("");
    var seen = [];
    (hit.highlights || []).forEach(function (span) {
      var word = chars.slice(span[0], span[1]).join("");
      if (word && seen.indexOf(word) < 0) { seen.push(word); }
    });
    return seen;
  }

  var toastTimer = null;
  function toast(text, kind) {
    toastBox.textContent = text;
    toastBox.className = "hl-toast" + (kind ? " " + kind : "");
    toastBox.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toastBox.hidden = true; }, kind === "error" ? 4000 : 1800);
  }

  function loginAgain(node) {
    node.textContent = "登录已过期，请";
    var a = el("a", "", "重新登录");
    a.href = "/console/login?next=" + encodeURIComponent("/hotline");
    node.appendChild(a);
    node.appendChild(document.createTextNode("后继续（输入的问题会保留在地址栏里）。"));
  }

  function readJson(res) {
    return res.json().catch(function () { return {}; }).then(function (data) {
      if (!res.ok) {
        var err = new Error((data && data.error && data.error.message) || "服务器暂时无法处理（" + res.status + "），请稍后重试。");
        err.status = res.status;
        throw err;
      }
      return data;
    });
  }

  // -- searching -------------------------------------------------------------------------------
  function searchKey() { return [q.value.trim(), source.value, category.value].join("\u0001"); }

  function remember() {  // the question and filters in the address bar: a reload (or re-login) keeps them
    var params = new URLSearchParams();
    if (q.value.trim()) { params.set("q", q.value.trim()); }
    if (source.value) { params.set("source", source.value); }
    if (category.value) { params.set("category", category.value); }
    var s = params.toString();
    try { history.replaceState(null, "", location.pathname + (s ? "?" + s : "")); } catch (e) { /* ignore */ }
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(run, DEBOUNCE_MS);
  }

  function run(force) {
    clearTimeout(state.timer);
    state.timer = null;
    var text = q.value.trim();
    var key = searchKey();
    if (key === state.lastKey && force !== true) { return state.pending || Promise.resolve(); }
    state.lastKey = key;
    if (state.ctrl) { state.ctrl.abort(); }
    var seq = ++state.seq;
    remember();
    if (!text) {
      state.pending = null;
      clear();
      status.classList.remove("error", "warn", "busy");
      status.textContent = "输入问题即可检索标准话术。";
      return Promise.resolve();
    }
    var ctrl = window.AbortController ? new AbortController() : null;
    state.ctrl = ctrl;
    var started = window.performance ? performance.now() : Date.now();
    status.classList.remove("warn");
    status.classList.add("busy");
    status.textContent = "正在检索…";
    var url = "/api/hotline/search?k=" + K + "&q=" + encodeURIComponent(text) +
      (source.value ? "&source=" + encodeURIComponent(source.value) : "") +
      (category.value ? "&category=" + encodeURIComponent(category.value) : "");
    state.pending = fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, signal: ctrl ? ctrl.signal : undefined })
      .then(readJson)
      .then(function (data) {
        if (seq !== state.seq) { return; }
        var seconds = ((window.performance ? performance.now() : Date.now()) - started) / 1000;
        status.classList.remove("busy");
        show(data.results || [], text, seconds, data);
      })
      .catch(function (err) {
        if (seq !== state.seq || (err && err.name === "AbortError")) { return; }
        state.lastKey = null;  // Enter tries again
        status.classList.remove("busy");
        status.classList.add("error");
        if (err.status === 401) { loginAgain(status); }
        else if (err.status) { status.textContent = err.message; }
        else { status.textContent = "网络连接中断，没能检索。请检查网络后按 Enter 重试。"; }
      });
    return state.pending;
  }

  function clear() {
    state.hits = [];
    state.sel = -1;
    state.query = "";
    list.textContent = "";
    list.removeAttribute("aria-activedescendant");
    howto.hidden = false;
    closePanel();
  }

  function show(hits, text, seconds, verdict) {
    var keepOpen = state.open >= 0;
    state.hits = hits;
    state.query = text;
    state.sel = hits.length ? 0 : -1;
    state.open = -1;
    status.classList.remove("error", "warn");
    list.textContent = "";
    howto.hidden = true;
    var took = "用时 " + seconds.toFixed(2) + " 秒";
    if (!hits.length) {
      var filtered = source.value || category.value;
      status.textContent = "没有找到相关条款（" + took + "）。";
      var li = el("li", "hl-none");
      li.appendChild(el("p", "", filtered ? "在所选文件或分类中没有找到相关条款。可以把筛选改回「全部」再试，或换个说法。"
                                          : "知识库中没有找到相关条款。可以换个说法（如用“合同”“保证金”“付款”等关键词）。"));
      var p = el("p", "muted");
      p.appendChild(document.createTextNode("仍需转办时，按 "));
      p.appendChild(el("kbd", "", "↓"));
      p.appendChild(document.createTextNode(" 再按 "));
      p.appendChild(el("kbd", "", "W"));
      p.appendChild(document.createTextNode(" 登记工单，问题会自动填好。"));
      li.appendChild(p);
      var b = button("生成工单", "W", "btn");
      b.addEventListener("click", function () { openWorkOrder(); });
      li.appendChild(b);
      list.appendChild(li);
      closePanel();
      return;
    }
    status.textContent = "找到 " + hits.length + " 条 · " + took;
    if (verdict && verdict.off_topic) {  // the same scope guard the assistant uses
      status.classList.add("warn");
      status.textContent += "。这个问题看起来属于“" + verdict.off_topic + "”，" + (verdict.advice || "不是政府采购政策问题，请按热线分类转办。");
    } else if (!matchedWords(hits[0]).length) {  // nothing in the knowledge base shares a word with the question
      status.classList.add("warn");
      status.textContent += "。结果与问题没有共同的词，可能答非所问，请核对后再答复。";
    } else if (verdict && verdict.confident === false) {  // the calibrated confidence the assistant answers on
      status.classList.add("warn");
      status.textContent += "。知识库可能没有这个问题的直接答案，请核对条款后再答复，或按 W 登记工单转办。";
    }
    hits.forEach(function (hit, i) { list.appendChild(renderHit(hit, i)); });
    select(0, false);
    if (keepOpen) { openPanel(0); } else { closePanel(); }
  }

  function renderHit(hit, i) {
    var li = el("li", "hl-hit");
    li.id = "hl-hit-" + i;
    var head = el("div", "hl-hit-head");
    head.appendChild(el("span", "hl-rank", i + 1));
    head.appendChild(el("span", "hl-hit-name", hit.name || ("《" + hit.title + "》" + (hit.label || ""))));
    if (hit.category) { head.appendChild(el("span", "tag hl-cat", hit.category)); }
    var words = matchedWords(hit);
    if (words.length) { head.appendChild(el("span", "hl-match", "匹配：" + words.slice(0, 6).join("、"))); }
    else { head.appendChild(el("span", "hl-nomatch", "没有匹配到问题里的词，可能不相关")); li.classList.add("weak"); }
    li.appendChild(head);
    li.appendChild(el("p", "hl-script", hit.script));
    var text = el("p", "hl-text");
    text.appendChild(marked(hit.text, hit.highlights));
    li.appendChild(text);
    var actions = el("div", "hl-hit-actions");
    var copyBtn = button("复制话术", "C", "btn small primary");
    copyBtn.setAttribute("data-act", "copy");
    var openBtn = button("看条文", "Enter");
    openBtn.setAttribute("data-act", "open");
    var woBtn = button("生成工单", "W");
    woBtn.setAttribute("data-act", "workorder");
    actions.appendChild(copyBtn);
    actions.appendChild(openBtn);
    actions.appendChild(woBtn);
    li.appendChild(actions);
    li.addEventListener("click", function (event) {
      var act = event.target.closest ? event.target.closest("[data-act]") : null;
      select(i, false);
      list.focus({ preventScroll: true });
      if (!act || act.getAttribute("data-act") === "open") { openPanel(i); }
      else if (act.getAttribute("data-act") === "copy") { copy(i); }
      else if (act.getAttribute("data-act") === "workorder") { openWorkOrder(); }
    });
    return li;
  }

  function select(i, scroll) {
    if (!state.hits.length) { return; }
    i = Math.max(0, Math.min(state.hits.length - 1, i));
    var old = $("hl-hit-" + state.sel);
    if (old) { old.classList.remove("on"); old.removeAttribute("aria-current"); }
    state.sel = i;
    var node = $("hl-hit-" + i);
    node.classList.add("on");
    node.setAttribute("aria-current", "true");
    list.setAttribute("aria-activedescendant", node.id);
    if (scroll !== false) { node.scrollIntoView({ block: "nearest" }); }
    if (state.open >= 0 && state.open !== i) { openPanel(i); }  // an open panel follows the selection
  }

  function enterList() {
    list.focus({ preventScroll: true });
    if (state.hits.length) { select(state.sel >= 0 ? state.sel : 0, true); }
  }

  // -- the provision panel ---------------------------------------------------------------------
  function openPanel(i) {
    var hit = state.hits[i];
    if (!hit) { return; }
    state.open = i;
    $("hl-panel-name").textContent = hit.name || ("《" + hit.title + "》" + (hit.label || ""));
    $("hl-panel-category").textContent = hit.category || "其他";
    $("hl-panel-section").textContent = (hit.section || "").split(" > ").join(" › ");
    var text = $("hl-panel-text");
    text.textContent = "";
    text.appendChild(marked(hit.text, hit.highlights));
    $("hl-panel-script").textContent = hit.script;
    $("hl-panel-source").textContent = hit.source || "";
    panelEmpty.hidden = true;
    panelBody.hidden = false;
    panel.classList.add("open");
    panel.scrollTop = 0;
    if (window.matchMedia && window.matchMedia("(max-width: 1000px)").matches) { panel.scrollIntoView({ block: "start" }); }
  }

  function closePanel() {
    state.open = -1;
    panelBody.hidden = true;
    panelEmpty.hidden = false;
    panel.classList.remove("open");
  }

  $("hl-panel-close").addEventListener("click", function () { closePanel(); enterList(); });
  panelBody.addEventListener("click", function (event) {
    var act = event.target.closest ? event.target.closest("[data-act]") : null;
    if (!act) { return; }
    if (act.getAttribute("data-act") === "copy") { copy(state.open); }
    if (act.getAttribute("data-act") === "workorder") { openWorkOrder(); }
  });

  // -- copying ---------------------------------------------------------------------------------
  function copyFallback(text) {
    var active = document.activeElement;
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-1000px";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    if (active && active.focus) { active.focus({ preventScroll: true }); }
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyFallback(text); });
    }
    return copyFallback(text);
  }

  function flash(buttonNode, text) {
    if (!buttonNode) { return; }
    if (!buttonNode.hasAttribute("data-label")) { buttonNode.setAttribute("data-label", buttonNode.firstChild.nodeValue); }
    buttonNode.firstChild.nodeValue = text + " ";
    buttonNode.classList.add("done");
    setTimeout(function () {
      buttonNode.firstChild.nodeValue = buttonNode.getAttribute("data-label");
      buttonNode.classList.remove("done");
    }, 1500);
  }

  function copy(i) {
    var hit = state.hits[i];
    if (!hit) { toast(state.query ? "没有可复制的话术：这个问题没有找到相关条款。" : "请先输入问题检索，再复制话术。", "error"); return; }
    copyText(hit.script).then(function () {
      toast("已复制标准话术");
      var node = $("hl-hit-" + i);
      flash(node && node.querySelector("[data-act=copy]"), "已复制");
      if (state.open === i) { flash(panelBody.querySelector("[data-act=copy]"), "已复制"); }
    }, function () {
      toast("浏览器不允许自动复制，请在右侧条文中选中话术后按 Ctrl+C。", "error");
      openPanel(i);
    });
  }

  // -- the work order --------------------------------------------------------------------------
  var woName = $("hl-wo-name"), woPhone = $("hl-wo-phone"), woAnon = $("hl-wo-anon"), woType = $("hl-wo-type");
  var woUrgency = $("hl-wo-urgency"), woCategory = $("hl-wo-category"), woContent = $("hl-wo-content");

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  function suggestedCategory() {
    var hit = state.hits[state.sel];  // a provision sharing no word with the question says nothing about its category
    return hit && matchedWords(hit).length && hasOption(woCategory, hit.category) ? hit.category : "";
  }

  function freshWorkOrder() {
    wo.key = "call-" + randomId();
    wo.done = false;
    wo.contentEdited = false;
    wo.categoryEdited = false;
    wo.receivedAt = call.started || new Date();
    woForm.reset();
    woType.value = "咨询";
    woUrgency.value = "一般";
    syncAnonymous();
  }

  function openWorkOrder() {
    if (dialog.open) { return; }
    if (!wo.key || wo.done) { freshWorkOrder(); }
    // an unsent draft keeps what the operator typed; what they did not touch follows the latest search
    var question = state.query || q.value.trim();
    if (!wo.contentEdited && question) { woContent.value = question; }
    if (!wo.categoryEdited) { woCategory.value = suggestedCategory(); }
    $("hl-wo-key").textContent = wo.key;
    $("hl-wo-time").textContent = clock(wo.receivedAt);
    woForm.hidden = false;
    woDone.hidden = true;
    woError.hidden = true;
    wo.returnTo = document.activeElement;
    if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    (woAnon.checked ? woContent : woName).focus();
  }

  function closeWorkOrder() {
    if (dialog.close) { dialog.close(); } else { dialog.removeAttribute("open"); }
  }

  dialog.addEventListener("close", function () {
    var back = wo.returnTo;
    wo.returnTo = null;
    if (back && back !== document.body && document.contains(back) && back.focus) { back.focus({ preventScroll: true }); }
    else if (state.hits.length) { enterList(); } else { q.focus(); }
  });
  Array.prototype.forEach.call(dialog.querySelectorAll("[data-close]"), function (b) { b.addEventListener("click", closeWorkOrder); });
  woContent.addEventListener("input", function () { wo.contentEdited = true; });
  woForm.addEventListener("input", function () { woError.hidden = true; });  // the message was about what they are fixing
  woCategory.addEventListener("change", function () { wo.categoryEdited = true; });

  function syncAnonymous() {
    woName.disabled = woPhone.disabled = woAnon.checked;
  }
  woAnon.addEventListener("change", syncAnonymous);

  function woFail(message, loginExpired) {
    woError.hidden = false;
    if (loginExpired) { loginAgain(woError); } else { woError.textContent = message; }
  }

  woForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (wo.busy) { return; }
    var content = woContent.value.trim();
    if (!content) { woFail("请填写诉求内容。"); woContent.focus(); return; }
    if (!woAnon.checked && !woName.value.trim() && !woPhone.value.trim()) {
      woFail("请填写来电人姓名或联系电话（回访用）；来电人不愿留下时，勾选「匿名来电」。");
      woName.focus();
      return;
    }
    woError.hidden = true;
    wo.busy = true;
    woSubmit.disabled = true;
    woSubmit.textContent = "正在提交…";
    var body = {
      channel: "电话",
      received_at: isoLocal(wo.receivedAt),
      caller: { name: woAnon.checked ? "" : woName.value.trim(), phone: woAnon.checked ? "" : woPhone.value.trim(), anonymous: woAnon.checked },
      request_type: woType.value,
      content: content,
      category: woCategory.value,
      urgency: woUrgency.value,
    };
    fetch("/api/hotline/workorders", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "Idempotency-Key": wo.key },
      body: JSON.stringify(body),
    })
      .then(readJson)
      .then(function (data) { showTicket(data); })
      .catch(function (err) {
        if (err.status === 401) { woFail("", true); }
        else if (err.status) { woFail(err.message); }
        else { woFail("网络连接中断，工单可能没有提交成功。请直接再点「提交工单」重试——同一来电不会重复登记。"); }
      })
      .then(function () {
        wo.busy = false;
        woSubmit.disabled = false;
        woSubmit.textContent = "提交工单";
      });
  });

  function showTicket(data) {
    wo.done = true;
    $("hl-wo-no").textContent = data.ticket_no;
    $("hl-wo-dup").hidden = data.created !== false;
    $("hl-wo-status").textContent = data.status_name || data.status || "";
    $("hl-wo-cat").textContent = data.category || "其他";
    var related = $("hl-wo-related");
    related.textContent = "";
    related.appendChild(el("span", "badge " + (data.procurement_related ? "badge-answered" : "badge-pending"),
                           data.procurement_related ? "是，属于政府采购" : "否，可能不属于政府采购，请按热线规定转办"));
    $("hl-wo-answer").textContent = data.suggested_answer ||
      "暂无建议答复：知识库中没有可以直接答复的内容，请按工单流程转交承办单位。";
    $("hl-wo-answer").classList.toggle("none", !data.suggested_answer);
    var cites = $("hl-wo-cites"), list_ = data.citations || [];
    cites.textContent = "";
    list_.forEach(function (c) {
      cites.appendChild(el("li", "", c.name || ("《" + c.title + "》" + (c.label || ""))));
    });
    $("hl-wo-cite-n").textContent = list_.length;
    $("hl-wo-basis").hidden = !list_.length;
    $("hl-wo-copy-answer").hidden = !data.suggested_answer;
    woForm.hidden = true;
    woDone.hidden = false;
    status.classList.remove("error");
    status.textContent = "已登记工单 " + data.ticket_no + "。";
    $("hl-wo-finish").focus();
  }

  $("hl-wo-copy-no").addEventListener("click", function () {
    var b = this;
    copyText($("hl-wo-no").textContent).then(function () { flash(b, "已复制"); toast("已复制工单号"); });
  });
  $("hl-wo-copy-answer").addEventListener("click", function () {
    var b = this;
    copyText($("hl-wo-answer").textContent).then(function () { flash(b, "已复制"); toast("已复制建议答复"); });
  });

  // -- a new call ------------------------------------------------------------------------------
  $("hl-new").addEventListener("click", function () {
    q.value = "";
    call.started = null;
    wo.key = null;
    state.lastKey = null;
    run();
    q.focus();
  });

  // -- keyboard --------------------------------------------------------------------------------
  function editable(node) {
    if (!node || node === document.body) { return false; }
    var tag = node.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || node.isContentEditable;
  }

  function caretAtEnd(input) {
    return input.selectionStart === input.value.length && input.selectionEnd === input.value.length;
  }

  function inSearchBox(event) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        (state.timer || searchKey() !== state.lastKey ? run() : Promise.resolve(state.pending)).then(enterList, enterList);
        return;
      case "Enter":
        event.preventDefault();
        if (state.timer || searchKey() !== state.lastKey) { run(); return; }
        if (state.hits.length) { enterList(); openPanel(state.sel >= 0 ? state.sel : 0); }
        return;
      case "ArrowRight":
        if (caretAtEnd(q) && state.hits.length && searchKey() === state.lastKey && !state.timer) {
          event.preventDefault();
          enterList();
          openPanel(state.sel);
        }
        return;
      case "Escape":  // (a search box would otherwise clear itself: the question typed is worth keeping)
        event.preventDefault();
        enterList();
        return;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.isComposing || event.keyCode === 229) { return; }  // typing pinyin
    if (dialog.open) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !woForm.hidden) {
        event.preventDefault();
        if (woForm.requestSubmit) { woForm.requestSubmit(); } else { woSubmit.click(); }
      }
      return;
    }
    var target = document.activeElement;
    if (target === q) { if (!event.ctrlKey && !event.metaKey && !event.altKey) { inSearchBox(event); } return; }
    if (event.ctrlKey || event.metaKey || event.altKey || editable(target)) { return; }
    if (target && target.tagName === "BUTTON" && (event.key === "Enter" || event.key === " ")) { return; }  // the button's own action
    switch (event.key) {
      case "ArrowDown": case "j":
        event.preventDefault();
        if (list !== target && !list.contains(target)) { enterList(); } else { select(state.sel + 1); }
        break;
      case "ArrowUp": case "k":
        event.preventDefault();
        if (state.sel <= 0) { q.focus(); } else { select(state.sel - 1); }
        break;
      case "Home": if (state.hits.length) { event.preventDefault(); select(0); } break;
      case "End": if (state.hits.length) { event.preventDefault(); select(state.hits.length - 1); } break;
      case "Enter": case "ArrowRight":
        if (state.hits.length) { event.preventDefault(); openPanel(state.sel); }
        break;
      case "ArrowLeft":
        if (state.open >= 0) { event.preventDefault(); closePanel(); }
        break;
      case "Escape":
        event.preventDefault();
        if (state.open >= 0) { closePanel(); } else { q.focus(); }
        break;
      case "c": case "C":
        event.preventDefault();
        copy(state.sel);
        break;
      case "w": case "W":
        event.preventDefault();
        openWorkOrder();
        break;
      case "/":
        event.preventDefault();
        q.focus();
        q.select();
        break;
    }
  });

  // -- wiring ----------------------------------------------------------------------------------
  // the key hints say how to leave the search box while the caret is in it
  function inBox() { document.body.classList.toggle("hl-in-q", document.activeElement === q); }
  q.addEventListener("focus", inBox);
  q.addEventListener("blur", inBox);
  inBox();
  q.addEventListener("input", function () {
    if (q.value.trim() && !call.started) { call.started = new Date(); }
    schedule();
  });
  // a click on the search button (Enter in the box is handled above) searches again, even unchanged
  form.addEventListener("submit", function (event) { event.preventDefault(); run(true); });
  source.addEventListener("change", function () { run(); });
  category.addEventListener("change", function () { run(); });

  // coming back (reload, sign-in again): the question and filters from the address bar
  var params = new URLSearchParams(location.search);
  if (params.get("source") && hasOption(source, params.get("source"))) { source.value = params.get("source"); }
  if (params.get("category") && hasOption(category, params.get("category"))) { category.value = params.get("category"); }
  if (params.get("q")) {
    q.value = params.get("q");
    call.started = new Date();
    run();
  }
  q.focus();
  var end = q.value.length;
  try { q.setSelectionRange(end, end); } catch (e) { /* ignore */ }
})();
