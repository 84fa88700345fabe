// The shopper's web chat. Talks to /chat/api/* (passed through to the web chat channel in Rasa):
// replies come back in the response of each message; agent messages and join/leave notices
// arrive on a Server-Sent Events stream. Every message carries its tracker timestamp, so the
// history (re-read whenever the stream reconnects) and the stream merge without duplicates.
(function () {
  "use strict";
  var API = "/chat/api/";
  var STORE = "jd-webchat-v1";
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var sendButton = document.getElementById("send");
  var who = document.getElementById("who");
  var mode = document.getElementById("mode");
  var banner = document.getElementById("banner");
  var state = load();
  var seen = {};
  var stream = null;
  var busy = false;
  var generation = 0;
  var ready = null;                   // the conversation being created, if any

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }
  function save() { localStorage.setItem(STORE, JSON.stringify(state)); }

  function call(method, path, body) {
    var opts = { method: method, headers: {} };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(API + path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var e = new Error(data.message || ("HTTP " + r.status)); e.status = r.status; throw e; }
        return data;
      });
    });
  }

  function query() {
    return "conversation_id=" + encodeURIComponent(state.conversation.conversation_id) +
      "&key=" + encodeURIComponent(state.conversation.key);
  }

  function keyOf(m) {
    return m.timestamp === undefined || m.timestamp === null ? null : m.role + "|" + m.timestamp;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render(m) {
    var key = keyOf(m);
    if (key && seen[key]) return null;
    if (key) seen[key] = true;
    var row = el("div", "msg " + m.role);
    var bubble = el("div", "bubble");
    if (m.role === "agent") bubble.appendChild(el("span", "who", "人工客服 " + (m.agent_name || "")));
    bubble.appendChild(document.createTextNode(m.text || ""));
    var choices = (m.buttons || []).concat(m.quick_replies || []);
    if (choices.length) {
      var box = el("div", "choices");
      choices.forEach(function (b) {
        var button = el("button", "choice", b.title);
        button.type = "button";
        button.addEventListener("click", function () { send(b.payload, b.title); });
        box.appendChild(button);
      });
      bubble.appendChild(box);
    }
    row.appendChild(bubble);
    log.appendChild(row);
    if (m.role === "notice") setAgent(m.kind === "agent_joined" ? (m.agent_name || "") : null);
    log.scrollTop = log.scrollHeight;
    return row;
  }

  function setAgent(name) {
    if (name === null || name === undefined) {
      mode.textContent = "智能助手";
      banner.classList.add("hidden");
    } else {
      mode.textContent = "人工客服";
      banner.textContent = "人工客服 " + name + " 正在为您服务";
      banner.classList.remove("hidden");
    }
  }

  function systemLine(text) {
    render({ role: "system", text: text });
  }

  function send(text, shown) {
    if (busy || !text || !text.trim()) return;
    if (!state.conversation) {
      if (!ready) { systemLine("对话还没有建立，请稍后点“新对话”重试。"); return; }
      // typed before the conversation was ready: send it as soon as it is
      busy = true;
      sendButton.disabled = true;
      ready.then(function () {
        busy = false;
        sendButton.disabled = false;
        if (state.conversation) send(text, shown);
        else systemLine("对话还没有建立，请稍后点“新对话”重试。");
      });
      return;
    }
    busy = true;
    sendButton.disabled = true;
    var mine = el("div", "msg user");
    mine.appendChild(el("div", "bubble", shown || text));
    log.appendChild(mine);
    log.scrollTop = log.scrollHeight;
    var metadata = {};
    if (state.customer && state.customer.token) metadata.customer_token = state.customer.token;
    call("POST", "message", {
      conversation_id: state.conversation.conversation_id, key: state.conversation.key,
      message: text, metadata: metadata
    }).then(function (turn) {
      if (turn.user) { var k = keyOf(turn.user); if (k) seen[k] = true; }
      (turn.messages || []).forEach(render);
    }).catch(function (e) {
      systemLine("消息没有发出去（" + e.message + "），请稍后重试。");
    }).then(function () {
      busy = false;
      sendButton.disabled = false;
      input.focus();
    });
  }

  function history() {
    return call("GET", "history?" + query()).then(function (data) {
      var agent;
      (data.messages || []).forEach(function (m) {
        if (m.role === "notice") agent = m.kind === "agent_joined" ? (m.agent_name || "") : null;
        render(m);
      });
      if (agent !== undefined) setAgent(agent);
    });
  }

  function connect() {
    if (stream) stream.close();
    stream = new EventSource(API + "stream?" + query());
    stream.addEventListener("open", function () { history().catch(function () {}); });
    stream.addEventListener("message", function (event) {
      try { render(JSON.parse(event.data)); } catch (e) { /* ignore a malformed event */ }
    });
  }

  function startConversation() {
    var mine = ++generation;          // a later start (say, a sign-in) wins over an earlier one
    if (stream) { stream.close(); stream = null; }
    log.textContent = "";
    seen = {};
    setAgent(null);
    // the server may be busy for a moment: try again twice before giving up
    var create = function (attempt) {
      return call("POST", "conversations", {}).catch(function (e) {
        if (attempt >= 2 || mine !== generation) throw e;
        return new Promise(function (resolve) { setTimeout(resolve, 1000 * (attempt + 1)); })
          .then(function () { return create(attempt + 1); });
      });
    };
    ready = create(0).then(function (conversation) {
      if (mine !== generation) return;
      state.conversation = conversation;
      save();
      connect();
      var name = state.customer ? state.customer.name : null;
      systemLine(name ? "您已登录为 " + name + "，可以直接咨询订单、价保、退款等问题。"
                      : "您正在匿名咨询；查询订单等账户问题请先在右上角登录。");
    }).catch(function (e) {
      if (mine === generation) systemLine("暂时连不上客服（" + e.message + "），请稍后点“新对话”重试。");
    });
    return ready;
  }

  function customers() {
    return call("GET", "customers").then(function (data) {
      (data.customers || []).forEach(function (c) {
        var option = el("option", null, c.name + "（" + c.city + "）");
        option.value = String(c.id);
        who.appendChild(option);
      });
      if (state.customer) who.value = String(state.customer.id);
    }).catch(function () { who.parentNode.classList.add("hidden"); });
  }

  who.addEventListener("change", function () {
    var id = who.value;
    var done = function () { return startConversation(); };
    if (!id) { state.customer = null; save(); done(); return; }
    call("POST", "sign-in", { customer_id: Number(id) }).then(function (data) {
      state.customer = { id: data.customer.id, name: data.customer.name, token: data.customer_token };
      save();
      return done();
    }).catch(function (e) { systemLine("登录失败：" + e.message); });
  });

  document.getElementById("restart").addEventListener("click", function () { startConversation(); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });

  customers().then(function () {
    if (state.conversation) {
      history().catch(function () {
        systemLine("暂时无法读取对话记录，请稍后重试。");
      });
      connect();
    } else {
      startConversation();
    }
  });
})();
