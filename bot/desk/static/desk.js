// The agent desk. Signs in against /desk/api/login (an HttpOnly session cookie), polls the queue
// and the open ticket every 2 seconds, and claims, replies, writes notes and hands back through
// the JSON API. Nothing here is trusted by the server: every call is checked there again.
(function () {
  "use strict";
  var API = "/desk/api/";
  var POLL_MS = 2000;
  var TOPICS = {
    human_handoff: "转人工", complaint: "投诉", medical_emergency: "紧急医疗", self_harm: "心理危机",
    pharmacist: "药师咨询", medication_question: "用药咨询", online_doctor: "在线问诊",
    urgent_medicine_delivery: "药急送", order_status: "订单物流", delivery_time: "配送时效",
    price_guarantee: "价保", coupon_refund: "领券价保", return_request: "退货",
    refund_status: "退款进度", trade_in: "以旧换新", repair_replace: "维修换新",
    diaper_size_exchange: "纸尿裤换码", pet_food_advice: "宠物选粮", invoice: "发票"
  };
  var PRIORITY = { 0: "紧急", 1: "投诉", 2: "普通" };
  var STATUS = { queued: "排队中", claimed: "已接入", callback: "待回电", resolved: "已解决" };
  var SYSTEM = { session_started: "新会话开始", restarted: "对话已重新开始", paused: "机器人已暂停（人工接待）",
                 resumed: "机器人已恢复" };
  var CHANNELS = { webchat: "网页聊天", rest: "REST 接口" };
  // the ledger's codes, as agents read them
  var LEDGER = {
    paid: "已付款", shipped: "已发货", delivered: "已签收", cancelled: "已取消",
    rejected: "已拒绝", pending: "处理中", price_guarantee: "价保", coupon: "领券价保",
    awaiting_pickup: "待取件", received: "已收货", refunded: "已退款",
    onsite_replacement: "上门换新", repair: "维修", diaper_exchange: "纸尿裤换码", invoice: "发票",
    open: "处理中", closed: "已完成", issued: "已开具", voided: "已作废"
  };
  function zh(code) { return LEDGER[code] || code; }

  var $ = function (id) { return document.getElementById(id); };
  var me = null;
  var selected = null;
  var detail = null;
  var lastTranscript = "";
  var queueTimer = null;
  var ticketTimer = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function api(method, path, body) {
    var opts = { method: method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(API + path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 401 && path !== "login") showLogin();
        if (!r.ok) { var e = new Error(data.message || ("HTTP " + r.status)); e.status = r.status; throw e; }
        return data;
      });
    });
  }

  function time(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit",
                                                       hour: "2-digit", minute: "2-digit" });
  }
  function clock(ts) {
    if (!ts) return "";
    return new Date(ts * 1000).toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
  }
  function topic(t) { return TOPICS[t] || t; }

  function pill(text, cls) { return el("span", "pill " + (cls || ""), text); }

  // -- sign in / out --------------------------------------------------------------------------

  function showLogin() {
    me = null;
    stopTimers();
    $("login-view").classList.remove("hidden");
    $("work-view").classList.add("hidden");
    $("me").classList.add("hidden");
    $("logout").classList.add("hidden");
  }

  function showWork(agent) {
    me = agent;
    $("login-view").classList.add("hidden");
    $("work-view").classList.remove("hidden");
    $("me").textContent = agent.name + " · " + agent.team_name + (agent.role === "supervisor" ? " · 主管" : "");
    $("me").classList.remove("hidden");
    $("logout").classList.remove("hidden");
    refreshQueue();
    stopTimers();
    queueTimer = setInterval(refreshQueue, POLL_MS);
  }

  function stopTimers() {
    if (queueTimer) clearInterval(queueTimer);
    if (ticketTimer) clearInterval(ticketTimer);
    queueTimer = ticketTimer = null;
  }

  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    $("login-error").textContent = "";
    api("POST", "login", { login: $("login").value.trim(), password: $("password").value })
      .then(function (data) { $("password").value = ""; showWork(data.agent); })
      .catch(function (e) { $("login-error").textContent = e.status === 401 ? "账号或密码错误" : e.message; });
  });

  $("logout").addEventListener("click", function () {
    api("POST", "logout", {}).catch(function () {}).then(function () {
      selected = null;
      closeTicket();
      showLogin();
    });
  });

  // -- the queue ------------------------------------------------------------------------------

  function refreshQueue() {
    api("GET", "queue").then(renderQueue).catch(function () {});
  }

  function renderQueue(data) {
    var box = $("queue");
    box.textContent = "";
    data.teams.forEach(function (team) {
      var section = el("div", "team");
      var head = el("div", "team-head");
      head.appendChild(el("strong", null, team.name));
      head.appendChild(el("span", null, "在线 " + team.agents_on_duty + " 人 · 等待 " + team.waiting));
      section.appendChild(head);
      var tickets = data.tickets.filter(function (t) { return t.team === team.code; });
      if (!tickets.length) section.appendChild(el("div", "muted", "暂无工单"));
      tickets.forEach(function (t) { section.appendChild(ticketCard(t)); });
      box.appendChild(section);
    });
    $("queue-updated").textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN", { hour12: false });
  }

  function ticketCard(t) {
    var card = el("div", "tk" + (t.id === selected ? " active" : ""));
    card.dataset.ticket = String(t.id);
    var line = el("div", "line");
    line.appendChild(pill(PRIORITY[t.priority] || "普通", "p" + t.priority));
    line.appendChild(el("span", "topic", topic(t.topic)));
    line.appendChild(pill(STATUS[t.status] || t.status, t.status));
    card.appendChild(line);
    var who = t.customer ? t.customer.name : "匿名顾客";
    var sub = "#" + t.id + " · " + who + " · " + time(t.created_at);
    if (t.status === "queued") sub += " · 第 " + t.position + " 位，约 " + t.wait_minutes + " 分钟";
    if (t.status === "claimed" && t.agent) sub += " · " + t.agent.name;
    if (t.status === "callback") sub += " · 回电截止 " + time(t.callback_by);
    card.appendChild(el("div", "sub", sub));
    card.addEventListener("click", function () { openTicket(t.id); });
    return card;
  }

  // -- one ticket -----------------------------------------------------------------------------

  function openTicket(id) {
    selected = id;
    lastTranscript = "";
    $("work-view").classList.add("detail");
    $("ticket-empty").classList.add("hidden");
    $("ticket").classList.remove("hidden");
    $("ticket-error").textContent = "";
    Array.prototype.forEach.call(document.querySelectorAll(".tk"), function (c) {
      c.classList.toggle("active", c.dataset.ticket === String(id));
    });
    loadTicket();
    if (ticketTimer) clearInterval(ticketTimer);
    ticketTimer = setInterval(loadTicket, POLL_MS);
  }

  function closeTicket() {
    selected = null;
    detail = null;
    if (ticketTimer) clearInterval(ticketTimer);
    ticketTimer = null;
    $("work-view").classList.remove("detail");
    $("ticket").classList.add("hidden");
    $("ticket-empty").classList.remove("hidden");
  }

  $("back").addEventListener("click", closeTicket);

  function loadTicket() {
    if (selected === null) return;
    var id = selected;
    api("GET", "tickets/" + id).then(function (data) {
      if (id === selected) renderTicket(data);
    }).catch(function (e) {
      if (id === selected) $("ticket-error").textContent = e.message;
    });
  }

  function renderTicket(data) {
    detail = data;
    var t = data.ticket;
    var who = t.customer ? t.customer.name + "（#" + t.customer.id + "）" : "匿名顾客";
    $("ticket-title").textContent = "#" + t.id + " " + topic(t.topic) + " · " + who;
    var badges = $("ticket-badges");
    badges.textContent = "";
    badges.appendChild(pill(PRIORITY[t.priority] || "普通", "p" + t.priority));
    badges.appendChild(pill(STATUS[t.status] || t.status, t.status));
    badges.appendChild(pill(t.team_name));
    if (t.status === "queued") badges.appendChild(pill("第 " + t.position + " 位 · 约 " + t.wait_minutes + " 分钟"));
    if (t.agent) badges.appendChild(pill("接待：" + t.agent.name));
    if (data.conversation.channel) badges.appendChild(pill("渠道：" + (CHANNELS[data.conversation.channel] || data.conversation.channel)));

    var mine = t.status === "claimed" && t.agent && t.agent.id === me.id;
    $("claim").disabled = !(t.status === "queued" || t.status === "callback");
    $("resolve").disabled = !(t.status === "claimed" && (mine || me.role === "supervisor"));
    $("reply").disabled = $("reply-send").disabled = !mine;
    $("reply").placeholder = mine ? "回复顾客（发送后顾客立即可见）" : "接入后在这里回复顾客";

    var warnings = $("ticket-warnings");
    warnings.textContent = "";
    var conv = data.conversation;
    if (conv.error) warnings.appendChild(el("div", "warning", "暂时读不到对话记录：" + conv.error));
    else if (!conv.exists) warnings.appendChild(el("div", "warning", "这个对话在机器人侧已不存在（记录可能已清理）。"));
    if (conv.restarted_since_ticket) warnings.appendChild(el("div", "warning", "顾客在转人工后重新开始了对话，请先确认需求。"));
    if (conv.channel && conv.channel !== "webchat") warnings.appendChild(el("div", "warning", "顾客不在网页聊天中：回复会记入对话，但无法实时推送。"));

    renderTranscript(data.transcript);
    renderSummary(t);
    renderNotes(data.notes);
    renderCustomer(data.customer);
  }

  function renderTranscript(items) {
    var key = JSON.stringify(items);
    if (key === lastTranscript) return;
    lastTranscript = key;
    var box = $("transcript");
    var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    box.textContent = "";
    items.forEach(function (m) {
      var row = el("div", "msg " + m.role);
      var bubble = el("div", "bubble");
      if (m.role === "system") {
        bubble.textContent = (SYSTEM[m.kind] || m.kind) + " " + clock(m.timestamp);
      } else {
        var label = m.role === "shopper" ? "顾客" : m.role === "agent" ? "人工 " + (m.agent_name || "")
          : m.role === "notice" ? "通知" : "机器人";
        bubble.appendChild(el("span", "who", label + " · " + clock(m.timestamp)));
        bubble.appendChild(document.createTextNode(m.text || ""));
        if (m.buttons && m.buttons.length) {
          bubble.appendChild(el("span", "intent", "按钮：" + m.buttons.map(function (b) { return b.title; }).join(" / ")));
        }
        if (m.role === "shopper" && m.intent) bubble.appendChild(el("span", "intent", "意图：" + m.intent));
      }
      row.appendChild(bubble);
      box.appendChild(row);
    });
    if (atBottom || !box.dataset.seen) box.scrollTop = box.scrollHeight;
    box.dataset.seen = "1";
  }

  function renderSummary(t) {
    var box = $("summary");
    box.textContent = "";
    var s = t.summary || {};
    var slots = s.slots || {};
    var rows = [
      ["队列", t.team_name], ["创建", time(t.created_at)], ["意图", (s.intents || []).join(" → ")],
      ["订单", s.order_no || "—"], ["最后一句", s.last_message || "—"]
    ];
    Object.keys(slots).forEach(function (k) {
      if (k !== "order_no" && k !== "conversation_owner") rows.push([k, JSON.stringify(slots[k])]);
    });
    if (t.callback_by) rows.push(["回电截止", time(t.callback_by)]);
    rows.forEach(function (r) {
      box.appendChild(el("dt", null, r[0]));
      box.appendChild(el("dd", null, r[1] || "—"));
    });
  }

  function renderNotes(notes) {
    var box = $("notes");
    box.textContent = "";
    if (!notes.length) box.appendChild(el("li", "muted", "暂无备注"));
    notes.forEach(function (n) {
      var li = el("li");
      li.appendChild(el("div", null, n.body));
      li.appendChild(el("div", "meta", n.agent + " · " + time(n.created_at)));
      box.appendChild(li);
    });
  }

  function table(title, rows, columns) {
    var wrap = el("div", "table-wrap");
    wrap.appendChild(el("h4", null, title + "（" + rows.length + "）"));
    if (!rows.length) return wrap;
    var tbl = el("table");
    var head = el("tr");
    columns.forEach(function (c) { head.appendChild(el("th", null, c[0])); });
    tbl.appendChild(head);
    rows.forEach(function (row) {
      var tr = el("tr");
      columns.forEach(function (c) { tr.appendChild(el("td", null, c[1](row))); });
      tbl.appendChild(tr);
    });
    wrap.appendChild(tbl);
    return wrap;
  }

  function renderCustomer(c) {
    var box = $("customer");
    var key = JSON.stringify(c);
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    box.textContent = "";
    box.className = "customer";
    if (!c) { box.appendChild(el("div", "muted", "匿名顾客，没有账户信息。")); return; }
    var p = c.customer;
    box.appendChild(el("div", null, p.name + " · 信用分 " + p.trust_score + " · " + p.city + p.district));
    box.appendChild(table("订单", c.orders, [
      ["订单号", function (o) { return o.order_no; }], ["下单", function (o) { return time(o.paid_at); }],
      ["状态", function (o) { return zh(o.status); }],
      ["商品", function (o) { return (o.items || []).map(function (i) { return i.sku_name + "×" + i.quantity; }).join("；"); }]
    ]));
    box.appendChild(table("理赔", c.claims, [
      ["订单号", function (x) { return x.order_no; }], ["类型", function (x) { return zh(x.kind); }],
      ["状态", function (x) { return zh(x.status); }], ["金额", function (x) { return "¥" + x.refund_amount; }]
    ]));
    box.appendChild(table("服务单", c.tickets, [
      ["类型", function (x) { return zh(x.kind); }], ["状态", function (x) { return zh(x.status); }],
      ["订单号", function (x) { return x.order_no; }], ["商品", function (x) { return x.sku_name; }]
    ]));
    box.appendChild(table("退货", c.returns, [
      ["订单号", function (x) { return x.order_no; }], ["商品", function (x) { return x.sku_name; }],
      ["状态", function (x) { return zh(x.status); }], ["退款", function (x) { return "¥" + x.refund_amount; }]
    ]));
  }

  // -- actions --------------------------------------------------------------------------------

  function act(path, body) {
    $("ticket-error").textContent = "";
    return api("POST", path, body).then(function (data) {
      loadTicket();
      refreshQueue();
      return data;
    }).catch(function (e) {
      $("ticket-error").textContent = e.message;
      loadTicket();
      refreshQueue();
    });
  }

  $("claim").addEventListener("click", function () {
    if (selected !== null) act("tickets/" + selected + "/claim", {});
  });
  $("resolve").addEventListener("click", function () {
    if (selected !== null) act("tickets/" + selected + "/resolve", {});
  });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text || selected === null) return;
    act("tickets/" + selected + "/reply", { text: text }).then(function (data) {
      if (data) $("reply").value = "";
    });
  });
  $("note-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("note").value.trim();
    if (!text || selected === null) return;
    act("tickets/" + selected + "/notes", { text: text }).then(function (data) {
      if (data) $("note").value = "";
    });
  });

  api("GET", "me").then(function (data) { showWork(data.agent); }).catch(function () { showLogin(); });
})();
