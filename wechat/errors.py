"""WeChat API error codes mapped to our exception tree, at the boundary (see WECHAT.md §1.3–1.5)."""

from __future__ import annotations

from chunfeng.errors import ChunfengError


class WeChatError(ChunfengError):
    """A call to the WeChat API failed; ``errcode`` is WeChat's code (None for transport errors)."""

    code = "wechat_error"

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


class WindowClosed(WeChatError):  # 45015: no user message in the last 48 hours
    code = "wechat_window_closed"


class QuotaExceeded(WeChatError):  # 45047: customer-service quota for this window used up
    code = "wechat_quota_exceeded"


class InvalidCode(WeChatError):  # 40029: a mini-program login code that is wrong or already used
    code = "wechat_invalid_code"


class FrequencyLimited(WeChatError):  # 45011: too many logins for this user
    code = "wechat_rate_limited"


class SubscriptionRefused(WeChatError):  # 43101: the user did not accept (or used up) the template
    code = "wechat_subscription_refused"


class TokenError(WeChatError):  # 40001 / 40014 / 42001 after one refetch
    code = "wechat_token"


class WeChatTimeout(WeChatError):  # the call may or may not have reached WeChat
    code = "wechat_timeout"


TOKEN_ERRORS = {40001, 40014, 42001}
BY_CODE: dict[int, type[WeChatError]] = {
    45015: WindowClosed,
    45047: QuotaExceeded,
    40029: InvalidCode,
    45011: FrequencyLimited,
    43101: SubscriptionRefused,
    40001: TokenError,
    40014: TokenError,
    42001: TokenError,
}
MESSAGES = {
    45015: "用户超过 48 小时没有发消息，客服消息窗口已关闭",
    45047: "本次会话的客服消息条数已用完",
    40029: "登录凭证无效或已使用，请重新打开小程序",
    45011: "登录太频繁，请稍后再试",
    43101: "用户没有订阅（或已用完）该通知",
    40003: "用户标识 openid 无效",
    45002: "消息内容过长",
}


def from_errcode(errcode: int, errmsg: str = "") -> WeChatError:
    cls = BY_CODE.get(errcode, WeChatError)
    return cls(f"微信接口返回错误 {errcode}：{MESSAGES.get(errcode, errmsg or '未知错误')}", errcode)
