"""春风政采助手 (Chunfeng): shared settings, the error tree, the CLI and the web app."""

__version__ = "0.1.0"
