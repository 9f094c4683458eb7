"""WeChat adapter: official-account and mini-program message push, the outbound API client, the
mini-program API, and the mini-program client source (``wechat/miniprogram/``)."""
