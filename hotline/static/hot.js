/* 春风政采助手 hot questions: fetch /api/hotline/hot for a date range and draw it.
 * Charts are inline SVG built here (no library); every text goes in with textContent.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  function $(id) { return document.getElementById(id); }
  var form = $("hot-form"), from = $("hot-from"), to = $("hot-to"), channel = $("hot-channel");
  var csv = $("hot-csv"), status = $("hot-status"), body = $("hot-body");
  if (!form) { return; }

  function parse(attr) { try { return JSON.parse(body.getAttribute(attr) || "{}"); } catch (e) { return {}; } }
  var REASONS = parse("data-reasons"), CHANNELS = parse("data-channels");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function ymd(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function dayOf(text) { var p = String(text).split("-"); return new Date(+p[0], +p[1] - 1, +p[2]); }

  function when(iso) {  // "5月3日 14:20" in the browser's time (Beijing at a 12345 centre)
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return iso || ""; }
    var text = (d.getMonth() + 1) + "月" + d.getDate() + "日 " + pad(d.getHours()) + ":" + pad(d.getMinutes());
    return d.getFullYear() !== new Date().getFullYear() ? d.getFullYear() + "年" + text : text;
  }

  function query() {
    var params = new URLSearchParams();
    params.set("from", from.value);
    params.set("to", to.value);
    if (channel.value) { params.set("channel", channel.value); }
    return params.toString();
  }

  // -- charts ----------------------------------------------------------------------------------
  function barsByCategory(rows) {
    rows = rows.slice().sort(function (a, b) { return b.count - a.count; });
    var box = $("hot-by-category");
    box.textContent = "";
    if (!rows.length) { box.appendChild(el("p", "muted", "这段时间没有来电记录。")); return; }
    var max = Math.max.apply(null, rows.map(function (r) { return r.count; })) || 1;
    var row = 30, labelW = 150, barW = 360, width = 580, height = rows.length * row + 4;
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, width: "100%", role: "img", "class": "hot-svg",
                             "aria-label": "按分类的来电数量" });
    rows.forEach(function (r, i) {
      var y = i * row + 4, w = Math.max(2, Math.round(r.count / max * barW));
      var g = svg("g");
      g.appendChild(svg("title", {}, r.category + "：" + r.count + " 次"));
      g.appendChild(svg("text", { x: labelW - 8, y: y + 17, "text-anchor": "end", "class": "hot-label" }, r.category));
      g.appendChild(svg("rect", { x: labelW, y: y + 4, width: w, height: row - 10, rx: 3, "class": "hot-bar" }));
      g.appendChild(svg("text", { x: labelW + w + 6, y: y + 17, "class": "hot-value" }, r.count));
      chart.appendChild(g);
    });
    box.appendChild(chart);
  }

  function columnsByDay(rows, start, end) {
    var box = $("hot-by-day");
    box.textContent = "";
    var counts = {};
    rows.forEach(function (r) { counts[r.date] = (counts[r.date] || 0) + r.count; });
    var days = [];
    var d = dayOf(start), last = dayOf(end);
    while (d <= last && days.length < 400) { days.push(ymd(d)); d.setDate(d.getDate() + 1); }
    if (!days.length) { days = rows.map(function (r) { return r.date; }); }
    if (!days.length) { box.appendChild(el("p", "muted", "这段时间没有来电记录。")); return; }
    var max = Math.max.apply(null, days.map(function (k) { return counts[k] || 0; }));
    var width = 580, height = 200, left = 34, bottom = 24, top = 10, plotW = width - left - 6, plotH = height - top - bottom;
    var step = plotW / days.length, colW = Math.max(1, Math.min(24, step * 0.7));
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, width: "100%", role: "img", "class": "hot-svg",
                             "aria-label": "按日期的来电数量" });
    var scale = max || 1;
    [0, Math.ceil(scale / 2), scale].forEach(function (v, i, all) {
      if (i > 0 && v === all[i - 1]) { return; }
      var y = top + plotH - v / scale * plotH;
      chart.appendChild(svg("line", { x1: left, x2: width - 6, y1: y, y2: y, "class": "hot-gridline" }));
      chart.appendChild(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end", "class": "hot-axis" }, v));
    });
    var every = Math.max(1, Math.ceil(days.length / 8));
    days.forEach(function (k, i) {
      var n = counts[k] || 0, h = n / scale * plotH, x = left + i * step + (step - colW) / 2;
      var g = svg("g");
      g.appendChild(svg("title", {}, k + "：" + n + " 次"));
      g.appendChild(svg("rect", { x: x.toFixed(1), y: (top + plotH - h).toFixed(1), width: colW.toFixed(1), height: Math.max(n ? 1 : 0, h).toFixed(1),
                                  "class": "hot-col" }));
      chart.appendChild(g);
      if (i % every === 0) {
        var p = k.split("-");
        chart.appendChild(svg("text", { x: (left + i * step + step / 2).toFixed(1), y: height - 6, "text-anchor": "middle", "class": "hot-axis" },
                              (+p[1]) + "/" + (+p[2])));
      }
    });
    box.appendChild(chart);
  }

  // -- lists -----------------------------------------------------------------------------------
  function clusters(rows) {
    var box = $("hot-clusters");
    box.textContent = "";
    if (!rows.length) { box.appendChild(el("li", "muted hot-none", "这段时间没有可以归类的问题。")); return; }
    rows.forEach(function (c) {
      var li = el("li", "hot-cluster");
      var head = el("div", "hot-cluster-head");
      head.appendChild(el("strong", "hot-cluster-label", c.label));
      head.appendChild(el("span", "badge", c.count + " 次"));
      if (c.category) { head.appendChild(el("span", "tag", c.category)); }
      if (c.unanswered) { head.appendChild(el("span", "badge badge-pending", "其中 " + c.unanswered + " 次没能答复")); }
      var search = el("a", "hot-search", "查话术");
      search.href = "/hotline?q=" + encodeURIComponent(c.label);
      head.appendChild(search);
      li.appendChild(head);
      var examples = (c.examples || []).slice(0, 3);
      if (examples.length) {
        var ul = el("ul", "hot-examples");
        examples.forEach(function (e) { ul.appendChild(el("li", "", typeof e === "string" ? e : (e.question || e.text || ""))); });
        li.appendChild(ul);
      }
      box.appendChild(li);
    });
  }

  function table(boxId, rows, columns, none) {
    var box = $(boxId);
    box.textContent = "";
    if (!rows.length) { box.appendChild(el("p", "muted", none)); return; }
    var t = el("table", "data hot-table"), head = el("tr"), tbody = el("tbody");
    columns.forEach(function (c) { head.appendChild(el("th", c.cls || "", c.title)); });
    var thead = el("thead");
    thead.appendChild(head);
    t.appendChild(thead);
    rows.forEach(function (r) {
      var tr = el("tr");
      columns.forEach(function (c) {
        var td = el("td", c.cls || "", c.value(r));
        td.setAttribute("data-label", c.title);
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    t.appendChild(tbody);
    box.appendChild(t);
  }

  function channelName(c) { return CHANNELS[c] || c || ""; }

  function draw(data) {
    var summary = $("hot-summary");
    summary.textContent = "";
    var items = [
      ["来电与咨询", data.total || 0],
      ["没能答复", data.unanswered_total != null ? data.unanswered_total : (data.unanswered || []).length],
      ["把握不大", data.low_confidence_total != null ? data.low_confidence_total : (data.low_confidence || []).length],
      ["相似问题组", data.clusters_total != null ? data.clusters_total : (data.clusters || []).length],
    ];
    items.forEach(function (it) {
      var card = el("div", "hot-stat");
      card.appendChild(el("span", "hot-stat-n", it[1]));
      card.appendChild(el("span", "hot-stat-t", it[0]));
      summary.appendChild(card);
    });
    barsByCategory(data.by_category || []);
    columnsByDay(data.by_day || [], data.from || from.value, data.to || to.value);
    clusters(data.clusters || []);
    table("hot-unanswered", data.unanswered || [], [
      { title: "问题", cls: "hot-q", value: function (r) { return r.question; } },
      { title: "时间", cls: "hot-when", value: function (r) { return when(r.at); } },
      { title: "渠道", value: function (r) { return channelName(r.channel); } },
      { title: "原因", value: function (r) { return r.reason_name || REASONS[r.reason] || r.reason || ""; } },
    ], "这段时间没有没能答复的问题。");
    table("hot-low", data.low_confidence || [], [
      { title: "问题", cls: "hot-q", value: function (r) { return r.question; } },
      { title: "时间", cls: "hot-when", value: function (r) { return when(r.at); } },
      { title: "渠道", value: function (r) { return channelName(r.channel); } },
      { title: "把握", value: function (r) { return r.confidence == null ? "" : Math.round(r.confidence * 100) + "%"; } },
    ], "这段时间没有把握不大的答复。");
    body.hidden = false;
  }

  // -- loading ---------------------------------------------------------------------------------
  var seq = 0;
  function load() {
    if (!from.value || !to.value) { status.textContent = "请选择开始和结束日期。"; status.className = "hot-status error"; return; }
    if (from.value > to.value) { status.textContent = "开始日期不能晚于结束日期。"; status.className = "hot-status error"; return; }
    var qs = query();
    csv.href = "/api/hotline/hot.csv?" + qs;
    try { history.replaceState(null, "", location.pathname + "?" + qs); } catch (e) { /* ignore */ }
    var mine = ++seq;
    status.className = "hot-status";
    status.textContent = "正在统计…";
    fetch("/api/hotline/hot?" + qs, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (res.ok) { return data; }
          var err = new Error((data.error && data.error.message) || "统计失败（" + res.status + "），请稍后重试。");
          err.status = res.status;
          throw err;
        });
      })
      .then(function (data) {
        if (mine !== seq) { return; }
        var chosen = channel.value ? "，" + channel.options[channel.selectedIndex].text : "";
        status.textContent = (data.from || from.value) + " 至 " + (data.to || to.value) + chosen + "，共 " + (data.total || 0) + " 条来电与咨询。";
        draw(data);
      })
      .catch(function (err) {
        if (mine !== seq) { return; }
        body.hidden = true;
        status.className = "hot-status error";
        if (err.status === 404) {
          status.textContent = "热点统计功能尚未启用（服务器没有提供 /api/hotline/hot），暂时无法显示统计。请联系系统管理员。";
        } else if (err.status === 401) {
          status.textContent = "登录已过期，请";
          var a = el("a", "", "重新登录");
          a.href = "/console/login?next=" + encodeURIComponent("/hotline/hot");
          status.appendChild(a);
          status.appendChild(document.createTextNode("。"));
        } else if (err.status) {
          status.textContent = err.message;
        } else {
          status.textContent = "网络连接中断，没能取得统计。请检查网络后点「查询」重试。";
        }
      });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); load(); });
  channel.addEventListener("change", load);
  [from, to].forEach(function (input) { input.addEventListener("change", function () { csv.href = "/api/hotline/hot.csv?" + query(); }); });
  Array.prototype.forEach.call(form.querySelectorAll("[data-days]"), function (b) {
    b.addEventListener("click", function () {
      var end = new Date(), start = new Date();
      start.setDate(end.getDate() - (+b.getAttribute("data-days") - 1));
      from.value = ymd(start);
      to.value = ymd(end);
      load();
    });
  });
  load();
})();
