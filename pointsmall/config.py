"""How this desktop runs: standalone, online, or an offline-capable store.

Three modes (issue 6):

* ``standalone``: one store on the embedded SQLite file (the default);
* ``online``: every desktop of the chain on the chain's shared PostgreSQL;
* ``offline``: this store works on a local SQLite replica and syncs with the
  chain's PostgreSQL (``chain``) whenever it can reach it, as store ``store``.

Each setting is taken from the command line, else the environment
(``POINTSMALL_MODE``, ``POINTSMALL_CHAIN``, ``POINTSMALL_STORE``,
``POINTSMALL_DB``), else the config file ``pointsmall.toml`` in the user
config directory (``POINTSMALL_CONFIG`` names another file), else the
default. The file is read with ``tomllib`` and written atomically (a
temporary file in the same folder, flushed to disk, then renamed over the
old one), so a crash mid-save leaves the old settings, never half a file.

Passwords inside URLs are never shown: use :func:`hide_password`.
"""
from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .db import Database, default_url, resolve_url
from .errors import DomainError

CONFIG_ENV = "POINTSMALL_CONFIG"
ENV = {"mode": "POINTSMALL_MODE", "chain": "POINTSMALL_CHAIN", "store": "POINTSMALL_STORE", "db": "POINTSMALL_DB"}
FILE_NAME = "pointsmall.toml"
REPLICA_FILE = "pointsmall-replica.db"
STORE_CODE_MAX = 16


class Mode(StrEnum):
    STANDALONE = "standalone"
    ONLINE = "online"
    OFFLINE = "offline"


class ConfigError(DomainError):
    """The settings cannot be used as they are; the message says which and how to fix them."""


@dataclass(frozen=True)
class Deployment:
    """The chosen mode and what it needs; ``db`` is the local database (None: the default file)."""

    mode: Mode = Mode.STANDALONE
    chain: str | None = None
    store: str | None = None
    db: str | None = None

    def validate(self) -> "Deployment":
        """Refuse a combination that cannot run; returns itself with the chain URL normalised."""
        chain = self.chain.strip() if self.chain else None
        store = self.store.strip() if self.store else None
        if self.mode in (Mode.ONLINE, Mode.OFFLINE):
            if not chain:
                raise ConfigError("Enter the address of the chain's database (HQ) for the {mode} mode.",
                                  mode=self.mode.value)
            chain = chain_url(chain)
        if self.mode is Mode.OFFLINE and not store:
            raise ConfigError("Enter this store's code for the offline-capable mode.")
        if store and (len(store) > STORE_CODE_MAX or not store.replace("-", "").replace("_", "").isalnum()):
            raise ConfigError("A store code is letters, digits, - or _ (at most {n}).", n=STORE_CODE_MAX)
        return replace(self, chain=chain or None, store=store or None)

    def database_url(self) -> str:
        """The database this desktop works on: the local file, the chain's, or the local replica."""
        if self.mode is Mode.ONLINE:
            assert self.chain, "validate() first"
            return resolve_url(self.chain)
        if self.db:
            return resolve_url(self.db)
        if self.mode is Mode.OFFLINE:
            return replica_url()
        return default_url()

    def describe(self) -> str:
        """One line for logs and the command line, without a password."""
        parts = [self.mode.value]
        if self.chain:
            parts.append(f"chain {hide_password(self.chain)}")
        if self.store:
            parts.append(f"store {self.store}")
        if self.db:
            parts.append(f"local {hide_password(self.db)}")
        return ", ".join(parts)


def hide_password(url: str) -> str:
    """``postgresql://pos:***@hq/chain`` for ``postgresql://pos:secret@hq/chain``; other text as it is."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        if "@" in url and "://" in url:  # not parseable, but may still hold user:password@
            scheme, rest = url.split("://", 1)
            return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
        return url


def chain_url(url: str) -> str:
    """The chain's database must be PostgreSQL; a bare ``host/db`` is taken as one."""
    text = url.strip()
    if "://" not in text:
        text = f"postgresql://{text}"
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError):
        raise ConfigError("The chain's database address is not a database URL: {url}",
                          url=hide_password(text)) from None
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError("The chain's database must be PostgreSQL (postgresql://user:password@host/database).")
    if not parsed.host or not parsed.database:
        raise ConfigError("The chain's database address needs a server and a database name, "
                          "like postgresql://user:password@hq.example.com/pointsmall.")
    return text


def with_password(address: str, password: str) -> str:
    """The chain URL from an address typed without its password and the password typed apart."""
    address = address.strip()
    if not password:
        return address
    parsed = make_url(chain_url(address))
    if not parsed.username:
        raise ConfigError("Put the user name in the address (postgresql://USER@host/database) "
                          "when you give a password.")
    return parsed.set(password=password).render_as_string(hide_password=False)


def without_password(url: str | None) -> tuple[str, str]:
    """(the address without its password, the password) of a chain URL, for a form."""
    if not url:
        return "", ""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url, ""
    # URL.set(password=None) keeps the password: build the address without it.
    bare = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database,
                      parsed.query)
    return bare.render_as_string(hide_password=False), parsed.password or ""


def replica_url() -> str:
    data = Path(platformdirs.user_data_dir("pointsmall", appauthor=False))
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite+pysqlite:///{data / REPLICA_FILE}"


def open_database(deployment: Deployment) -> Database:
    """The database this desktop works on, ready for use.

    Standalone and the store's replica are migrated (an SQLite file backed up
    first) and given their defaults. The chain's shared database is used as
    it is, after the connection test: a till never migrates the schema every
    other till is using (HQ runs ``pointsmall db upgrade`` once per release).
    """
    from . import bootstrap

    url = deployment.database_url()
    if deployment.mode is Mode.ONLINE:
        check_connection(url)
        return Database.open(url)
    return bootstrap.prepare(url)


# -- the file -------------------------------------------------------------------

def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("pointsmall", appauthor=False)) / FILE_NAME


def read_file(path: Path | None = None) -> dict[str, str]:
    """The settings saved in the file ({} when there is none); a bad file is refused with its line."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise ConfigError("The settings file {path} is not UTF-8 text; fix it or delete it to start "
                          "with the defaults.", path=str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("The settings file {path} cannot be read ({problem}); fix it or delete it to start "
                          "with the defaults.", path=str(path), problem=str(error)) from None
    except OSError as error:
        raise ConfigError("The settings file {path} cannot be opened: {problem}",
                          path=str(path), problem=error.strerror or str(error)) from None
    section = data.get("database", {})
    if not isinstance(section, dict):
        raise ConfigError("The settings file {path} has a [database] entry that is not a section.", path=str(path))
    found: dict[str, str] = {}
    for key in ("mode", "chain", "store", "db"):
        value = section.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ConfigError("In the settings file {path}, {key} must be text in quotes.", path=str(path), key=key)
        found[key] = value
    return found


def save(deployment: Deployment, path: Path | None = None) -> Path:
    """Write the deployment to the config file, atomically; other sections of the file are kept."""
    path = path or config_path()
    deployment = deployment.validate()
    try:
        existing = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        existing = {}  # a broken file is replaced by a good one; that is what "save" is for
    values = {"mode": deployment.mode.value, "chain": deployment.chain, "store": deployment.store,
              "db": deployment.db}
    existing["database"] = {k: v for k, v in values.items() if v}
    text = "# pointsmall settings (written by the app; edit with care)\n" + _dump(existing)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if os.name != "nt":
            os.chmod(temp, 0o600)  # the chain URL may hold a password
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)
    return path


def _sync_directory(directory: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _dump(data: Mapping[str, object]) -> str:
    """TOML for tables of strings, numbers and booleans (all this file holds)."""
    lines: list[str] = []
    for name, table in data.items():
        if not isinstance(table, Mapping):
            lines.append(f"{_key(name)} = {_value(table)}")
    for name, table in data.items():
        if isinstance(table, Mapping):
            lines += ["", f"[{_key(name)}]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items() if not isinstance(v, Mapping)]
    return "\n".join(lines).lstrip("\n") + "\n"


def _key(name: str) -> str:
    return name if name and all(c.isascii() and (c.isalnum() or c in "-_") for c in name) else json.dumps(name)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a TOML basic string (\uXXXX escapes for control characters).
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {type(value).__name__} to the settings file")


# -- precedence -----------------------------------------------------------------

def load(*, mode: str | None = None, chain: str | None = None, store: str | None = None, db: str | None = None,
         environ: Mapping[str, str] | None = None, path: Path | None = None) -> Deployment:
    """Command line (the arguments) > environment > config file > default, validated."""
    environ = os.environ if environ is None else environ
    saved = read_file(path)
    given = {"mode": mode, "chain": chain, "store": store, "db": db}
    chosen = {key: given[key] or environ.get(ENV[key]) or saved.get(key) or None for key in given}
    text = (chosen["mode"] or Mode.STANDALONE.value).strip().lower()
    try:
        the_mode = Mode(text)
    except ValueError:
        raise ConfigError("Unknown mode {mode}: choose standalone, online or offline.", mode=text) from None
    return Deployment(the_mode, chosen["chain"], chosen["store"], chosen["db"]).validate()


# -- the connection test --------------------------------------------------------

CONNECT_TIMEOUT_S = 5


class ChainUnreachable(ConfigError):
    """HQ's server did not answer (timeout, refused, unknown host)."""


class ChainLoginFailed(ConfigError):
    template = "HQ's database refused the user name or password; check them with HQ's IT."


class ChainDatabaseMissing(ConfigError):
    template = "HQ's server has no database named {name}; check the name with HQ's IT."


class ChainSchemaMismatch(ConfigError):
    """The chain's database is at another version than this app."""


@dataclass(frozen=True)
class ChainStatus:
    """What a successful connection test found."""

    url: str  # without the password
    server_version: str
    revision: str
    stores: int


def check_connection(url: str, timeout_s: float = CONNECT_TIMEOUT_S) -> ChainStatus:
    """Connect to the chain's database and compare its schema with this app's; refusals say what to do."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from importlib import resources
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    url = resolve_url(chain_url(url))
    shown = hide_password(url)
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": max(1, int(timeout_s))})
    try:
        try:
            conn = engine.connect()
        except DBAPIError as error:
            raise _connect_problem(str(error.orig or error), make_url(url)) from None
        with conn:
            version = conn.execute(text("SHOW server_version")).scalar_one()
            current = MigrationContext.configure(conn).get_current_revision()
            script = ScriptDirectory(str(resources.files("pointsmall") / "migrations"))
            head = script.get_current_head()
            if current is None:
                raise ChainSchemaMismatch("HQ's database {url} is empty: run `pointsmall --db URL db upgrade` "
                                          "on it once, then test again.", url=shown)
            if current != head:
                try:
                    known = script.get_revision(current) is not None
                except CommandError:
                    known = False
                if not known:
                    raise ChainSchemaMismatch("HQ's database is newer than this app (version {current}); "
                                              "install the app's update first.", current=current)
                raise ChainSchemaMismatch("HQ's database is older than this app (version {current}, this app "
                                          "needs {head}); HQ must upgrade it first.", current=current, head=head)
            stores = conn.execute(text("SELECT count(*) FROM stores")).scalar_one()
            return ChainStatus(shown, str(version), current, int(stores))
    finally:
        engine.dispose()


def explain_connection_error(error: BaseException, url: str) -> BaseException:
    """A store manager's words for a failure to open ``url`` (the chain's); other errors as they are."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError) and make_url(url).get_backend_name() == "postgresql":
        return _connect_problem(str(error.orig or error), make_url(url))
    return error


def explain_connection_text(detail: str, url: str) -> ConfigError:
    """A store manager's words for a connection failure recorded as text (the sync engine's report)."""
    return _connect_problem(detail, make_url(url))


def _connect_problem(detail: str, url: object) -> ConfigError:
    """Turn libpq's words into a store manager's."""
    parsed = make_url(str(url)) if not hasattr(url, "host") else url
    host = f"{parsed.host}:{parsed.port or 5432}"  # type: ignore[attr-defined]
    low = detail.lower()
    if "timeout" in low or "timed out" in low:
        return ChainUnreachable("HQ's server {host} did not answer in time: check this store's internet "
                                "connection, or try again later.", host=host)
    if "refused" in low:
        return ChainUnreachable("HQ's server {host} refused the connection: the address or port is wrong, "
                                "or the database server is not running.", host=host)
    if "resolve host" in low or "name or service not known" in low or "translate host name" in low:
        return ChainUnreachable("HQ's server name {host} is unknown: check the address, or this store's "
                                "internet connection.", host=host)
    if "password" in low or ("role" in low and "does not exist" in low) or "authentication" in low:
        return ChainLoginFailed()
    if "database" in low and "does not exist" in low:
        return ChainDatabaseMissing(name=parsed.database)  # type: ignore[attr-defined]
    return ChainUnreachable("HQ's server {host} could not be reached: {detail}", host=host,
                            detail=detail.splitlines()[0] if detail else "")
