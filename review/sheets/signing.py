"""Ed25519 signatures over the canonical JSON of a sheet's facts.

The key pair lives in the instance folder (KEY_DIR), is generated on first use and is never
logged or sent anywhere; only the public key leaves the server. Key objects are cached per
process so that a verification costs one signature check and a stat, not a file read.
``rotate_keypair`` replaces the key: the old public key moves to KEY_DIR/retired/<key id>.pub.pem
and keeps verifying what it signed; the old private key is deleted.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_NAME = "sheet_ed25519.pem"
PUBLIC_NAME = "sheet_ed25519.pub.pem"
RETIRED_DIR = "retired"
ALGORITHM = "Ed25519"

_cache: dict[str, tuple[tuple[int, int], "KeyPair"]] = {}  # key dir -> (private file stamp, pair)
_public_cache: dict[bytes, tuple[Ed25519PublicKey, str]] = {}
_lock = threading.Lock()


class KeyError_(Exception):
    """The signing key is missing or unreadable."""


@dataclass(frozen=True)
class KeyPair:
    private: Ed25519PrivateKey
    public: Ed25519PublicKey
    key_id: str
    public_pem: bytes


def canonical_json(facts: dict) -> bytes:
    """Sorted keys, no whitespace, UTF-8 (not ASCII escapes): the bytes that are signed."""
    return json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def key_id_of(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem_of(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _write_exclusive(path: Path, data: bytes, mode: int) -> None:
    """Write to a temporary file, then link it into place: readers never see a half-written key,
    and of two processes racing on first use only one key wins."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def load_keypair(key_dir: str | Path) -> KeyPair:
    """The instance's key pair, generated (mode 0600) when absent. A rotation by another process
    is seen at the next call (the private key file's inode changes)."""
    key_dir = str(key_dir)
    private_path = Path(key_dir) / PRIVATE_NAME
    hit = _cache.get(key_dir)
    if hit is not None and hit[0] == _stamp(private_path):
        return hit[1]
    with _lock:
        folder = Path(key_dir)
        folder.mkdir(parents=True, exist_ok=True)
        if not private_path.exists():
            fresh = Ed25519PrivateKey.generate()
            pem = fresh.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
            _write_exclusive(private_path, pem, 0o600)
        stamp = _stamp(private_path)
        try:
            private = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise KeyError_(f"the sheet signing key in {folder} cannot be read ({type(exc).__name__})") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise KeyError_(f"the sheet signing key in {folder} is not an Ed25519 key")
        public = private.public_key()
        public_pem = public_pem_of(public)
        public_path = folder / PUBLIC_NAME
        if not public_path.exists() or public_path.read_bytes() != public_pem:
            public_path.unlink(missing_ok=True)
            _write_exclusive(public_path, public_pem, 0o644)
        pair = KeyPair(private, public, key_id_of(public), public_pem)
        _cache[key_dir] = (stamp, pair)
        return pair


def retired_public_pem(key_dir: str | Path, key_id: str) -> bytes | None:
    """The PEM of a retired public key by its id; None when there is none."""
    if not key_id or len(key_id) > 64 or not all(c in "0123456789abcdef" for c in key_id):
        return None
    try:
        pem = (Path(key_dir) / RETIRED_DIR / f"{key_id}.pub.pem").read_bytes()
        return pem if load_public_key(pem)[1] == key_id else None
    except (OSError, KeyError_):
        return None


def public_key_for(key_dir: str | Path, key_id: str) -> Ed25519PublicKey | None:
    """The public key with this id: the current one or a retired one; None when unknown."""
    pair = load_keypair(key_dir)
    if pair.key_id == key_id:
        return pair.public
    pem = retired_public_pem(key_dir, key_id)
    return load_public_key(pem)[0] if pem else None


def retired_key_ids(key_dir: str | Path) -> list[str]:
    folder = Path(key_dir) / RETIRED_DIR
    return sorted(p.name.removesuffix(".pub.pem") for p in folder.glob("*.pub.pem")) if folder.is_dir() else []


def rotate_keypair(key_dir: str | Path) -> tuple[str, str]:
    """A new signing key; the old public key is kept under retired/. Returns (old id, new id)."""
    folder = Path(key_dir)
    old = load_keypair(folder)
    retired = folder / RETIRED_DIR
    retired.mkdir(parents=True, exist_ok=True)
    retired_path = retired / f"{old.key_id}.pub.pem"
    if not retired_path.exists():
        _write_exclusive(retired_path, old.public_pem, 0o644)
    fresh = Ed25519PrivateKey.generate()
    pem = fresh.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    with _lock:
        tmp = folder / f".{PRIVATE_NAME}.new.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        os.replace(tmp, folder / PRIVATE_NAME)  # atomic: readers see the old key or the new one
        _cache.pop(str(folder), None)
    return old.key_id, load_keypair(folder).key_id


def load_public_key(pem: bytes) -> tuple[Ed25519PublicKey, str]:
    """A public key from PEM bytes, with its key id (cached: verification is on the hot path)."""
    hit = _public_cache.get(pem)
    if hit is None:
        try:
            public = serialization.load_pem_public_key(pem)
        except ValueError:
            raise KeyError_("the public key is not a PEM-encoded key") from None
        if not isinstance(public, Ed25519PublicKey):
            raise KeyError_("the public key is not an Ed25519 key")
        hit = (public, key_id_of(public))
        _public_cache[pem] = hit
    return hit


def sign(pair: KeyPair, facts: dict) -> str:
    return base64.b64encode(pair.private.sign(canonical_json(facts))).decode("ascii")


def verify_signature(public: Ed25519PublicKey, facts: dict, signature: str) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), canonical_json(facts))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# The file seal: a second signature over the SHA-256 of the PDF's bytes with the seal's own place
# filled with FILE_SEAL_PLACEHOLDER (the way a PDF signature's ByteRange leaves out its hole).
FILE_SEAL_CONTEXT = b"HiAPSheetFile\x00"
FILE_SEAL_PLACEHOLDER = b"0" * 88  # the length of a base64 Ed25519 signature


def sign_file_digest(pair: KeyPair, digest: bytes) -> str:
    return base64.b64encode(pair.private.sign(FILE_SEAL_CONTEXT + digest)).decode("ascii")


def verify_file_digest(public: Ed25519PublicKey, digest: bytes, signature: bytes) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), FILE_SEAL_CONTEXT + digest)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
