"""Languages, and numbers, money and dates through QLocale.

Source strings are English; Chinese (the default) comes from the compiled
Qt translation in ``assets/translations``. Money is integer fen and is
formatted with integer arithmetic; QLocale only groups the digits.
"""
from __future__ import annotations

from datetime import date, datetime, tzinfo
from importlib import resources
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
_installed: list[QTranslator] = []


def saved_language() -> str:
    value = QSettings("pointsmall", "pointsmall").value("language", DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def save_language(language: str) -> None:
    QSettings("pointsmall", "pointsmall").setValue("language", language)


def install_language(language: str) -> str:
    """Switch the application's translator and default locale; returns the language used."""
    app = QCoreApplication.instance()
    assert app is not None
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    QLocale.setDefault(QLocale("zh_CN") if language == "zh_CN"
                       else QLocale("en_US"))
    if language != "en":
        # Qt's own words (OK, Cancel, Close, the print preview) come from Qt's catalogue.
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for name, directory in ((f"qtbase_{language}", qt_dir),
                                (f"pointsmall_{language}", str(resources.files("assets") / "translations"))):
            translator = QTranslator(app)
            if translator.load(name, directory):
                app.installTranslator(translator)
                _installed.append(translator)
    return language


def tr(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def points(value: int) -> str:
    return QLocale().toString(value)


def money(fen: int) -> str:
    """¥1,234.50 from 123450 fen, with no float in between."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{QLocale().toString(yuan)}.{cents:02d}"


def money_short(fen: int) -> str:
    """¥320 when whole, ¥320.50 otherwise (for progress words)."""
    return money(fen) if fen % 100 else f"{'-' if fen < 0 else ''}¥{QLocale().toString(abs(fen) // 100)}"


def day(value: date) -> str:
    """ISO dates in both languages: "11/30/28" is ambiguous at a till, 2028-11-30 is not."""
    return QLocale().toString(value, "yyyy-MM-dd")


_store_zone: tzinfo | None = None


def use_store_timezone(name: str) -> None:
    """Show times in the store's timezone, as the core's business days and messages do."""
    global _store_zone
    _store_zone = ZoneInfo(name)


def moment(value: datetime) -> str:
    return QLocale().toString(value.astimezone(_store_zone), "yyyy-MM-dd HH:mm")
