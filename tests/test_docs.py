"""Every setting is documented in the README; the README's commands exist."""

from pathlib import Path

from chunfeng.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [f"CHUNFENG_{name.upper()}" for name in Settings.model_fields if f"CHUNFENG_{name.upper()}" not in README]
    assert not missing, f"undocumented settings: {missing}"


def test_first_screen_has_the_two_commands():
    first_screen = README[:1500]
    assert "make run" in first_screen and "make test" in first_screen
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    assert "\nrun:" in makefile and "\ntest:" in makefile
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
