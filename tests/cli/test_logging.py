"""The entry points' logging: the configured level holds for every library, and numbers are masked."""

import logging

import pytest

from chunfeng.masking import configure_logging


@pytest.fixture()
def restore_root():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_library_logger_set_to_debug_stays_quiet_and_numbers_are_masked(restore_root, capsys):
    configure_logging("WARNING")
    chatty = logging.getLogger("some.library")
    chatty.setLevel(logging.DEBUG)  # as bm25s does for its own logger
    chatty.debug("Building index from tokens")
    logging.getLogger("chunfeng.test").warning("来电 13812345678 无法送达")
    err = capsys.readouterr().err
    assert "Building index" not in err
    assert "无法送达" in err and "13812345678" not in err
