/**
 * A ticket: its status, reply deadline and conversation, including the agent's answer.
 * Opened as pages/ticket/ticket?id=T… from the chat page, or from a subscribe message
 * (then it is the first page, the app may not be logged in yet: app.request logs in first).
 */
const { formatTime } = require('../../utils/util.js');

const app = getApp();

const STATUS_NAMES = { pending: '待处理', claimed: '处理中', answered: '已答复', closed: '已关闭' };
const REASON_NAMES = {
  user_request: '用户要求人工',
  low_confidence: '知识库无法确定答复',
  out_of_scope: '不属于政府采购政策问题',
  repeated_unhelpful: '连续两次答复没有帮助',
  negative_feedback: '用户反馈答复没用',
  dispute: '涉及具体项目的质疑或投诉'
};
const HINTS = {
  pending: '您的问题已登记，工作人员会在答复时限前回复。',
  claimed: '工作人员正在处理您的问题，请耐心等待。',
  answered: '工作人员已答复，请查看下方对话记录。如仍有疑问，可以返回对话继续咨询。',
  closed: '本次人工服务已结束。如有新的问题，可以返回对话继续提问。'
};
const WHO = { user: '我', assistant: '春风助手', agent: '人工客服', system: '系统消息' };

Page({
  data: {
    id: '',
    ticket: null,
    messages: [],
    loading: true, // until the first load (onShow) has an answer
    error: ''
  },

  onLoad(options) {
    let id = options.id || '';
    try {
      id = decodeURIComponent(id);
    } catch (e) { /* already plain */ }
    id = id.trim();
    this.setData({ id, loading: !!id, error: id ? '' : '缺少工单号，请从对话页面或消息通知进入。' });
  },

  onShow() {
    if (this.data.id) this.load(); // also refreshes when coming back to this page
  },

  onPullDownRefresh() {
    if (!this.data.id) {
      wx.stopPullDownRefresh();
      return;
    }
    this.load().then(() => wx.stopPullDownRefresh());
  },

  onRetryTap() {
    this.load();
  },

  onBackTap() {
    if (getCurrentPages().length > 1) wx.navigateBack();
    else wx.reLaunch({ url: '/pages/chat/chat' }); // opened from a subscribe message
  },

  load() {
    if (this.pending) return this.pending;
    this.setData({ loading: true });
    this.pending = app.request({ path: '/api/mp/tickets/' + encodeURIComponent(this.data.id) }).then((res) => {
      const t = res.ticket || {};
      const status = t.status || 'pending';
      this.setData({
        loading: false,
        error: '',
        ticket: {
          id: t.ticket_id || this.data.id,
          status,
          statusName: t.status_name || STATUS_NAMES[status] || status,
          reason: t.reason_name || REASON_NAMES[t.reason] || t.reason || '',
          created: formatTime(t.created_at),
          due: formatTime(t.due_at),
          hint: HINTS[status] || ''
        },
        messages: (res.messages || []).map((m, i) => ({
          key: 'm' + i,
          role: WHO[m.role] ? m.role : 'system',
          who: WHO[m.role] || WHO.system,
          text: m.text || '',
          time: formatTime(m.created_at)
        }))
      });
    }, (err) => {
      this.setData({ loading: false, error: err.message });
      if (this.data.ticket) wx.showToast({ title: err.message, icon: 'none' }); // keep what is shown
    }).then(() => {
      this.pending = null;
    });
    return this.pending;
  }
});
