"""Every refusal the core can raise reaches the translators."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import error_templates  # noqa: E402

from pointsmall.errors import ValidationError  # noqa: E402
from ui.messages import error_text  # noqa: E402


def test_generated_template_list_is_current():
    """Run `python packaging/error_templates.py` after adding a refusal to the core."""
    assert (ROOT / "ui" / "error_templates.py").read_text(encoding="utf-8") == error_templates.render()


def test_error_text_fills_the_template(qapp):
    exc = ValidationError("Only {stock} left in stock.", stock=3)
    assert "3" in error_text(exc)


def test_unexpected_errors_are_shown_not_swallowed(qapp):
    assert "RuntimeError" in error_text(RuntimeError("disk full"))


def test_permission_refusals_name_the_role_and_action_in_chinese(qapp):
    """Translator's report: refusals read "当前角色（supervisor）无权执行：manage the catalog"."""
    from pointsmall.errors import PermissionDenied
    from ui import i18n

    i18n.install_language("zh_CN")
    try:
        text = error_text(PermissionDenied(role="supervisor", action="manage the catalog"))
    finally:
        i18n.install_language("en")
    assert "店长" in text and "管理商品" in text and "supervisor" not in text
