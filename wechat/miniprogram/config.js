/**
 * 春风政采助手小程序配置：上线前只需要修改这里。
 */
module.exports = {
  // 春风服务器的地址，不要以“/”结尾。
  // · 正式环境：必须是 HTTPS 域名，已完成 ICP 备案，并已加入小程序管理后台
  //   “开发管理 → 开发设置 → 服务器域名 → request 合法域名”。不能用 IP 或 localhost。
  // · 本地开发：可以填局域网地址（如 "http://192.168.1.20:8000"），同时在开发者工具
  //   “详情 → 本地设置”中勾选“不校验合法域名…”（即 project.config.json 中的 urlCheck:false）。
  BASE: "https://your-domain.example.gov.cn",

  // 订阅消息模板 ID（“咨询回复 / 工单处理结果”一类的一次性订阅模板），
  // 在小程序管理后台“功能 → 订阅消息”中选用模板后复制到这里。
  // 服务端必须配置同一个模板 ID（CHUNFENG_WECHAT_TEMPLATE_ID），工作人员答复后才会推送通知，
  // 通知的跳转页面是 pages/ticket/ticket?id=<工单号>。
  // 留空：转人工时不弹出订阅授权，用户需要自己回到小程序查看答复。
  SUBSCRIBE_TEMPLATE_ID: ""
};
