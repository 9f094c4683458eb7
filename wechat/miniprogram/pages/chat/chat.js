/**
 * The conversation page.
 *
 * - The conversation lives on the server. This page keeps only the session id and the ticket id
 *   (wx storage), and redraws the history from GET /api/mp/sessions/{id}/messages?after=0.
 * - Sending: an optimistic user bubble, then POST /api/mp/chat with a client_msg_id generated
 *   once per message. Every retry of that message (automatic after a network failure, or the
 *   user's tap on "发送失败，点击重试") reuses the same id, so the server answers it only once.
 * - User and assistant messages come from this page and the chat response. Agent and system
 *   messages come only from polling, every 5 s while a ticket is open and the page is visible.
 */
const { uuid4, formatTime } = require('../../utils/util.js');

const app = getApp();

const STORE_KEY = 'chunfeng_chat';
const POLL_MS = 5000;
const AUTO_RETRY_MS = 1500;
const MAX_CHARS = 2000; // the server's default limit (max_message_chars)
const OPEN_STATUSES = ['pending', 'claimed', 'answered'];
const TICKET_STATES = {
  pending: '已转人工，等待工作人员回复',
  claimed: '工作人员正在处理您的问题',
  answered: '工作人员已回复',
  closed: '人工服务已结束'
};
const EXAMPLES = ['中标以后多久签合同？', '验收合格后多久付款？', '还要交投标保证金吗？'];

let keySeq = 0;
function nextKey() {
  keySeq += 1;
  return 'k' + keySeq; // also the element id "msg-k…": must start with a letter
}

function citationsView(list) {
  return (list || []).map((c) => ({
    chip: '《' + (c.title || '政策文件') + '》' + (c.label || ''),
    docNumber: c.doc_number || '',
    section: c.section || '',
    text: c.text || '',
    open: false
  }));
}

// a message from GET …/messages as a bubble
function fromServer(m) {
  const role = m.role === 'assistant' ? 'bot' : (['user', 'agent', 'system'].indexOf(m.role) >= 0 ? m.role : 'system');
  return {
    key: nextKey(),
    role,
    text: m.text || '',
    citations: role === 'bot' ? citationsView(m.citations) : [],
    time: role === 'agent' ? formatTime(m.created_at) : '',
    status: ''
  };
}

Page({
  data: {
    examples: EXAMPLES,
    maxChars: MAX_CHARS,
    messages: [], // {key, role: user|bot|agent|system, text, citations, status: ''|sending|failed, error, …}
    input: '',
    canSend: false,
    sending: false,
    handingOff: false,
    loadingHistory: false,
    sessionId: '',
    ticket: null, // {id, status, open, stateText}
    scrollInto: ''
  },

  onLoad() {
    this.lastSeq = 0; // highest message seq seen from the server
    this.visible = true;
    this.pollTimer = null;
    this.catching = null;
    this.retryOnShow = '';
    this.restore();
  },

  onShow() {
    this.visible = true;
    if (this.retryOnShow) { // a send that failed while the app was in the background
      const key = this.retryOnShow;
      this.retryOnShow = '';
      this.deliver(key, true);
    }
    if (this.data.ticket && this.data.ticket.open) {
      this.catchUp(); // catch up at once, then every 5 s
      this.startPolling();
    }
  },

  onHide() {
    this.visible = false;
    this.stopPolling();
  },

  onUnload() {
    this.visible = false;
    this.stopPolling();
  },

  // -- composing ----------------------------------------------------------------------------------
  onInput(e) {
    const input = e.detail.value;
    this.setData({ input, canSend: !!input.trim() });
  },

  onSend(e) {
    // bindconfirm carries the input's value; a tap on 发送 does not
    const value = e && e.detail && typeof e.detail.value === 'string' ? e.detail.value : this.data.input;
    this.ask(value);
  },

  onExampleTap(e) {
    this.ask(e.currentTarget.dataset.q);
  },

  onRetryTap(e) {
    const key = e.currentTarget.dataset.key;
    const i = this.indexOf(key);
    if (i < 0 || this.data.sending || this.data.messages[i].status !== 'failed') return;
    this.patch(key, { status: 'sending', error: '' });
    this.setData({ sending: true, scrollInto: 'typing' });
    this.deliver(key, false);
  },

  onCitationTap(e) {
    const i = this.indexOf(e.currentTarget.dataset.key);
    const j = e.currentTarget.dataset.index;
    if (i < 0) return;
    const path = 'messages[' + i + '].citations[' + j + '].open';
    this.setData({ [path]: !this.data.messages[i].citations[j].open });
  },

  ask(text) {
    text = String(text || '').trim();
    if (!text || this.data.sending) return;
    if (text.length > MAX_CHARS) {
      wx.showToast({ title: '问题太长，请控制在 ' + MAX_CHARS + ' 字以内', icon: 'none' });
      return;
    }
    const msg = {
      key: nextKey(),
      role: 'user',
      text,
      citations: [],
      status: 'sending',
      error: '',
      clientMsgId: uuid4(), // fixed for every retry of this message
      sentSession: this.data.sessionId // likewise: a retry repeats the same request body
    };
    this.setData({
      ['messages[' + this.data.messages.length + ']']: msg,
      input: '',
      canSend: false,
      sending: true,
      scrollInto: 'typing'
    });
    this.deliver(msg.key, false);
  },

  // POST /api/mp/chat for the user message `key`.
  deliver(key, autoRetried) {
    const i = this.indexOf(key);
    if (i < 0) return;
    const msg = this.data.messages[i];
    const data = { message: msg.text, client_msg_id: msg.clientMsgId };
    if (msg.sentSession) data.session_id = msg.sentSession;

    app.request({ path: '/api/mp/chat', method: 'POST', data }).then((res) => {
      this.adoptSession(res.session_id);
      this.patch(key, { status: '', error: '' });
      this.append([{
        key: nextKey(),
        role: 'bot',
        text: res.answer || '',
        citations: citationsView(res.citations),
        status: '',
        suggest: !!res.suggest_handoff && !res.handoff // optional field: the answer may not have helped
      }]);
      this.setData({ sending: false });
      if (res.handoff) {
        this.showTicket(res.handoff); // the server handed over by itself (e.g. no reliable answer)
        this.catchUp(); // fetch its notice (ticket number, reply deadline)
      }
    }, (err) => {
      if (err.status === 404 && msg.sentSession) {
        // the conversation expired on the server: ask again in a new one. That request is new,
        // so it gets a new client_msg_id (the old id may be remembered with this 404).
        if (this.data.sessionId === msg.sentSession) this.forgetSession();
        this.patch(key, { clientMsgId: uuid4(), sentSession: this.data.sessionId });
        this.deliver(key, autoRetried);
        return;
      }
      if (err.network && !err.timeout && !autoRetried) {
        // one quiet retry with the SAME client_msg_id; in the background, wait for onShow
        if (this.visible) {
          setTimeout(() => this.deliver(key, true), AUTO_RETRY_MS);
        } else {
          this.retryOnShow = key;
        }
        return;
      }
      this.patch(key, { status: 'failed', error: err.message });
      this.setData({ sending: false });
    });
  },

  // -- handing over to a person -------------------------------------------------------------------
  onHandoffTap() {
    if (this.data.handingOff) return;
    if (!this.data.sessionId) {
      wx.showToast({ title: '请先在下方输入您的问题，再转人工', icon: 'none' });
      return;
    }
    const tmplId = app.globalData.SUBSCRIBE_TEMPLATE_ID;
    if (!tmplId || typeof wx.requestSubscribeMessage !== 'function') {
      this.submitHandoff({}, '');
      return;
    }
    // NOTE: wx.requestSubscribeMessage only works when called directly inside a tap handler
    // (base library >= 2.8.2). Calling it after a request, a timer or an await fails with
    // "can only be invoked by user TAP gesture". So: ask first, POST the result afterwards.
    wx.requestSubscribeMessage({
      tmplIds: [tmplId],
      success: (res) => {
        const subscribe = {};
        if (res[tmplId]) subscribe[tmplId] = res[tmplId]; // accept | reject | ban | filter
        this.submitHandoff(subscribe, tmplId);
      },
      fail: () => this.submitHandoff({}, tmplId) // e.g. notifications switched off: hand over anyway
    });
    this.setData({ handingOff: true });
  },

  submitHandoff(subscribe, tmplId) {
    const sessionId = this.data.sessionId;
    this.setData({ handingOff: true });
    app.request({
      path: '/api/mp/handoff',
      method: 'POST',
      data: { session_id: sessionId, subscribe }
    }).then((res) => {
      this.showTicket({ ticket_id: res.ticket_id, status: res.status });
      return this.catchUp().then((news) => {
        if (!news) { // already with a person: the server posts no new notice
          this.append([{
            key: nextKey(),
            role: 'system',
            text: '您的问题已转给工作人员（工单号 ' + res.ticket_id + '），请留意回复。',
            citations: [],
            status: ''
          }]);
        }
        let title = '已转人工';
        if (tmplId) {
          title = subscribe[tmplId] === 'accept' ? '已转人工，答复后将通过微信通知您' : '已转人工，请稍后回来查看答复';
        }
        wx.showToast({ title, icon: 'none', duration: 2500 });
      });
    }).catch((err) => {
      if (err.status === 404) this.forgetSession();
      wx.showModal({
        title: '转人工失败',
        content: err.status === 404 ? '会话已过期，请重新输入您的问题后再转人工。' : err.message,
        showCancel: false
      });
    }).then(() => {
      this.setData({ handingOff: false });
    });
  },

  // -- session, ticket and polling ------------------------------------------------------------------
  restore() {
    const saved = wx.getStorageSync(STORE_KEY) || {};
    if (!saved.sessionId) return;
    const sid = saved.sessionId;
    this.setData({ sessionId: sid, loadingHistory: true });
    app.request({ path: '/api/mp/sessions/' + encodeURIComponent(sid) + '/messages?after=0' }).then((res) => {
      if (this.data.sessionId !== sid) return;
      const list = res.messages || [];
      list.forEach((m) => { if (m.seq > this.lastSeq) this.lastSeq = m.seq; });
      const history = list.map(fromServer);
      // anything sent while the history was loading stays below it
      const messages = history.concat(this.data.messages);
      const last = messages[messages.length - 1];
      this.setData({ messages, loadingHistory: false, scrollInto: last ? 'msg-' + last.key : '' });
      if (res.ticket) this.showTicket(res.ticket);
      else if (saved.ticketId) this.refreshTicket(saved.ticketId);
    }, (err) => {
      this.setData({ loadingHistory: false });
      if (err.status === 404 || err.status === 403) { // expired, or not this user's: start afresh
        if (this.data.sessionId === sid) this.forgetSession();
        return;
      }
      this.append([{ key: nextKey(), role: 'system', text: '暂时无法加载之前的对话：' + err.message, citations: [], status: '' }]);
      if (saved.ticketId) this.refreshTicket(saved.ticketId);
    });
  },

  remember() {
    const t = this.data.ticket;
    wx.setStorageSync(STORE_KEY, { sessionId: this.data.sessionId, ticketId: t ? t.id : '' });
  },

  adoptSession(sessionId) {
    if (!sessionId || sessionId === this.data.sessionId) return;
    if (this.data.sessionId) { // a different conversation: its seq numbers start again
      this.lastSeq = 0;
      this.setData({ ticket: null });
      this.stopPolling();
    }
    this.setData({ sessionId });
    this.remember();
  },

  forgetSession() {
    this.stopPolling();
    this.lastSeq = 0;
    this.setData({ sessionId: '', ticket: null });
    wx.removeStorageSync(STORE_KEY);
  },

  // t: {ticket_id, status, …} from chat, handoff, messages or the ticket endpoint
  showTicket(t) {
    if (!t || !t.ticket_id) return;
    const status = t.status || 'pending';
    const open = OPEN_STATUSES.indexOf(status) >= 0;
    this.setData({
      ticket: { id: t.ticket_id, status, open, stateText: TICKET_STATES[status] || t.status_name || '' }
    });
    this.remember();
    if (open) this.startPolling();
    else this.stopPolling();
  },

  refreshTicket(ticketId) {
    const id = ticketId || (this.data.ticket && this.data.ticket.id);
    if (!id) return Promise.resolve();
    return app.request({ path: '/api/mp/tickets/' + encodeURIComponent(id) }).then((res) => {
      this.showTicket(res.ticket);
    }, (err) => {
      if (err.status === 404 || err.status === 403) {
        this.setData({ ticket: null });
        this.stopPolling();
        this.remember();
      }
    });
  },

  startPolling() {
    if (this.pollTimer || !this.visible) return;
    if (!this.data.sessionId || !this.data.ticket || !this.data.ticket.open) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      this.catchUp().then(() => this.startPolling());
    }, POLL_MS);
  },

  stopPolling() {
    if (this.pollTimer) {
      clearTimeout(this.pollTimer);
      this.pollTimer = null;
    }
  },

  // Fetch messages after lastSeq; show the agent's and system messages. Resolves true when any
  // were new. Calls never overlap: a second one waits for the first.
  catchUp() {
    if (this.catching) return this.catching.then(() => this.catchUp());
    const sid = this.data.sessionId;
    if (!sid || this.data.loadingHistory) return Promise.resolve(false); // restore() brings it all
    const path = '/api/mp/sessions/' + encodeURIComponent(sid) + '/messages?after=' + this.lastSeq;
    const run = app.request({ path }).then((res) => {
      if (sid !== this.data.sessionId) return false;
      const fresh = [];
      (res.messages || []).forEach((m) => {
        if (!(m.seq > this.lastSeq)) return;
        this.lastSeq = m.seq;
        // user and assistant messages are already on screen (drawn when sent and answered)
        if (m.role === 'agent' || m.role === 'system') fresh.push(fromServer(m));
      });
      this.append(fresh);
      if (res.ticket) this.showTicket(res.ticket); // optional field
      else if (fresh.length) this.refreshTicket(); // an agent reply or "服务已结束" changes the status
      return fresh.length > 0;
    }, (err) => {
      if (err.status === 404 && sid === this.data.sessionId) this.forgetSession();
      return false; // other failures: try again at the next tick
    });
    this.catching = run.then(() => { this.catching = null; });
    return run;
  },

  // -- list helpers -------------------------------------------------------------------------------
  indexOf(key) {
    const list = this.data.messages;
    for (let i = list.length - 1; i >= 0; i -= 1) {
      if (list[i].key === key) return i;
    }
    return -1;
  },

  patch(key, fields) {
    const i = this.indexOf(key);
    if (i < 0) return;
    const update = {};
    Object.keys(fields).forEach((name) => { update['messages[' + i + '].' + name] = fields[name]; });
    this.setData(update);
  },

  // add bubbles at the end (by data path, so setData sends only the new ones) and scroll to the last
  append(items) {
    if (!items.length) return;
    const start = this.data.messages.length;
    const update = { scrollInto: 'msg-' + items[items.length - 1].key };
    items.forEach((item, k) => { update['messages[' + (start + k) + ']'] = item; });
    this.setData(update);
  }
});
