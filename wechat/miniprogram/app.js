/**
 * 春风政采助手 mini-program: login and the one request wrapper every page uses.
 *
 * Login: wx.login() gives a one-time code; POST /api/mp/login exchanges it for our own bearer
 * token (WeChat's session_key stays on the server). The token is kept with wx.setStorageSync.
 *
 * app.request({path, method, data}) adds "Authorization: Bearer <token>", logs in first when
 * there is no token, logs in again once on HTTP 401, and rejects with an Error whose message is
 * Chinese text fit to show the user: the server's {"error": {"code", "message"}} when there is one.
 * The Error also carries status (HTTP code, 0 on a network failure), code, network and timeout.
 */
const config = require('./config.js');

const TOKEN_KEY = 'chunfeng_token';
const PLACEHOLDER_BASE = 'https://your-domain.example.gov.cn';

function apiError(message, fields) {
  const err = new Error(message);
  err.status = 0;
  err.code = '';
  err.network = false;
  err.timeout = false;
  return Object.assign(err, fields || {});
}

function httpMessage(status) {
  if (status === 400) return '请求有误，请检查后重试。';
  if (status === 401) return '登录已失效，请重新进入小程序。';
  if (status === 403) return '没有权限查看该内容。';
  if (status === 404) return '请求的内容不存在或已过期。';
  if (status === 413) return '内容太长，请精简后再试。';
  if (status === 429) return '操作太频繁，请稍后再试。';
  if (status >= 500) return '服务暂时不可用，请稍后再试。';
  return '请求失败（' + status + '），请稍后再试。';
}

function networkMessage(errMsg) {
  const text = String(errMsg || '');
  if (/timeout/i.test(text)) return '请求超时，请稍后重试。';
  if (/interrupted/i.test(text)) return '网络请求被中断，请重试。';
  if (/domain list/i.test(text)) return '服务器域名未加入小程序的合法域名，请联系管理员。';
  if (/ssl|certificate/i.test(text)) return '服务器证书校验失败，请联系管理员。';
  return '网络连接失败，请检查网络后重试。';
}

// wx.request parses JSON by itself; an error page from a proxy arrives as a string.
function parseBody(data) {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch (e) {
    return null;
  }
}

App({
  globalData: {
    BASE: String(config.BASE || '').replace(/\/+$/, ''),
    SUBSCRIBE_TEMPLATE_ID: config.SUBSCRIBE_TEMPLATE_ID || '',
    token: '',
    tokenExpiresAt: 0 // ms since epoch
  },

  onLaunch() {
    const saved = wx.getStorageSync(TOKEN_KEY);
    if (saved && saved.token) {
      this.globalData.token = saved.token;
      this.globalData.tokenExpiresAt = saved.expiresAt || 0;
    }
    if (!this.hasToken()) {
      this.login().catch(() => {}); // warm-up only: a failure shows on the first real request
    }
  },

  hasToken() {
    // a minute of margin so a request does not leave with a token about to expire
    return !!this.globalData.token && Date.now() < this.globalData.tokenExpiresAt - 60 * 1000;
  },

  clearToken() {
    this.globalData.token = '';
    this.globalData.tokenExpiresAt = 0;
    wx.removeStorageSync(TOKEN_KEY);
  },

  // wx.login -> POST /api/mp/login {code} -> {token, expires_in}. Concurrent callers share one login.
  login() {
    if (this._login) return this._login;
    const done = () => { this._login = null; };
    this._login = new Promise((resolve, reject) => {
      wx.login({
        success: (res) => {
          if (!res.code) {
            reject(apiError('微信登录失败，请稍后重试。', { code: 'wx_login' }));
            return;
          }
          this.send({ path: '/api/mp/login', method: 'POST', data: { code: res.code } }).then((body) => {
            if (!body || !body.token) throw apiError('登录失败：服务器没有返回登录凭证。', { code: 'no_token' });
            const expiresIn = Number(body.expires_in) > 0 ? Number(body.expires_in) : 7200;
            this.globalData.token = body.token;
            this.globalData.tokenExpiresAt = Date.now() + expiresIn * 1000;
            wx.setStorageSync(TOKEN_KEY, { token: body.token, expiresAt: this.globalData.tokenExpiresAt });
            resolve(body.token);
          }).catch(reject);
        },
        fail: (err) => {
          reject(apiError('微信登录失败，请检查网络后重试。', { code: 'wx_login', errMsg: err && err.errMsg }));
        }
      });
    });
    this._login.then(done, done);
    return this._login;
  },

  ensureToken() {
    return this.hasToken() ? Promise.resolve(this.globalData.token) : this.login();
  },

  // Authenticated API call; see the comment at the top of this file.
  request(options) {
    const attempt = (retried) => this.ensureToken().then((token) =>
      this.send(Object.assign({}, options, { token })).catch((err) => {
        if (err.status === 401 && !retried) {
          // only drop the token that failed: another request may already have fetched a new one
          if (this.globalData.token === token) this.clearToken();
          return attempt(true);
        }
        throw err;
      }));
    return attempt(false);
  },

  // One wx.request without any login logic. GET parameters go in the path.
  send({ path, method = 'GET', data, token }) {
    return new Promise((resolve, reject) => {
      const base = this.globalData.BASE;
      if (!base || base === PLACEHOLDER_BASE) {
        reject(apiError('尚未配置服务器地址：请在 config.js 中填写 BASE。', { code: 'no_base' }));
        return;
      }
      const header = { 'Content-Type': 'application/json' };
      if (token) header.Authorization = 'Bearer ' + token;
      wx.request({
        url: base + path,
        method,
        header,
        data: method === 'GET' ? undefined : (data || {}),
        // the timeout comes from "networkTimeout" in app.json (20 s)
        success: (res) => {
          const body = parseBody(res.data);
          if (res.statusCode >= 200 && res.statusCode < 300) {
            resolve(body || {});
            return;
          }
          const error = body && body.error;
          reject(apiError((error && error.message) || httpMessage(res.statusCode), {
            status: res.statusCode,
            code: (error && error.code) || 'http_' + res.statusCode
          }));
        },
        fail: (err) => {
          const errMsg = (err && err.errMsg) || '';
          reject(apiError(networkMessage(errMsg), {
            code: 'network',
            network: true,
            timeout: /timeout/i.test(errMsg),
            errMsg
          }));
        }
      });
    });
  }
});
