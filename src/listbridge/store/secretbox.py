"""Encryption at rest for tokens and client secrets (Fernet).

The key comes from ``LISTBRIDGE_SECRET_KEY`` (several keys, comma-separated, newest
first, decrypt during a change-over), else from a key file created with mode 0600 on
first use: ``LISTBRIDGE_KEY_FILE``, else ``<database file>.key`` beside a SQLite
database, else ``~/.config/listbridge/secret.key``. Both variables reach here through
the store's configuration (``store.config``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import make_url

from listbridge.config import SECRET_KEY_ENV
from listbridge.core.errors import NotConnectedError
from listbridge.store.db import Store


def key_file(store: Store) -> Path:
    if store.config.key_file is not None:
        return store.config.key_file
    url = make_url(store.url)
    if url.drivername.startswith("sqlite") and url.database not in (None, "", ":memory:"):
        return Path(f"{url.database}.key").resolve()
    return Path.home() / ".config" / "listbridge" / "secret.key"


def write_key_file(path: Path, key: bytes) -> None:
    """Write a key readable by its owner only, replacing any file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)


def _file_keys(path: Path) -> list[bytes]:
    """The key file's key, creating it on first use; a pending rotation's key first."""
    pending = path.with_name(path.name + ".new")
    if not path.exists():
        write_key_file(path, Fernet.generate_key())
    keys = [path.read_bytes().strip()]
    if pending.exists():
        keys.insert(0, pending.read_bytes().strip())
    return keys


@dataclass(frozen=True)
class SecretBox:
    keys: tuple[bytes, ...]

    def _fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(k) for k in self.keys])

    def encrypt(self, text: str) -> str:
        return self._fernet().encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet().decrypt(token.encode("ascii")).decode()
        except InvalidToken as error:
            raise NotConnectedError(
                "the stored Constant Contact authorisation cannot be decrypted with this "
                f"secret key ({SECRET_KEY_ENV} or the key file); set the key used when connecting, "
                "or run `listbridge connect` again"
            ) from error

    def rotate(self, token: str, new_key: bytes) -> str:
        """Re-encrypt ``token`` under ``new_key`` (readable with the current keys)."""
        return (
            MultiFernet([Fernet(new_key), *(Fernet(k) for k in self.keys)])
            .rotate(token.encode("ascii"))
            .decode("ascii")
        )


def secret_box(store: Store) -> SecretBox:
    """The store's secrets: under the configured keys, else under its key file."""
    if store.config.secret_keys:
        return SecretBox(tuple(key.encode() for key in store.config.secret_keys))
    return SecretBox(tuple(_file_keys(key_file(store))))
