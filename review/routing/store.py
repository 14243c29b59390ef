"""Storage behind routing: the pool's signature from one row, proposals and tokens in tables.

A proposal is stored as JSON made from the dataclasses of ``pipeline.routing.model`` by their own
fields, so whatever those classes carry (reasons, precedents...) comes back as it went in, and a
change to their shape changes ``SCHEMA`` and with it every key.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import types
import typing
from datetime import date, datetime

from sqlalchemy import select

from pipeline.routing import Proposal

from ..extensions import db
from ..pagecache import LRU
from .models import PoolGeneration, StoredProposal


def _shape(tp, seen: set) -> list:
    if not dataclasses.is_dataclass(tp) or tp in seen:
        return [getattr(tp, "__name__", str(tp))]
    seen.add(tp)
    hints = typing.get_type_hints(tp)
    out: list = [tp.__name__]
    for f in dataclasses.fields(tp):
        out.append([f.name, str(hints[f.name]), *[_shape(a, seen) for a in _args(hints[f.name])]])
    return out


def _args(tp) -> tuple:
    return tuple(a for a in typing.get_args(tp) if a is not Ellipsis)


SCHEMA = hashlib.sha256(repr(_shape(Proposal, set())).encode()).hexdigest()[:16]


# -- the pool's signature -------------------------------------------------------------------------


def pool_signature() -> dict[str, str]:
    """What the experts' profiles (``text``) and their loads, availability and conflicts (``state``)
    are made of: the pool's generation counters, one small row whatever the size of the committee.
    Every transaction that changes an expert, a submitted opinion, an open seat, a period or a
    conflict bumps them (``models._bump``, at commit)."""
    row = db.session.execute(select(PoolGeneration.epoch, PoolGeneration.text, PoolGeneration.state)
                             .where(PoolGeneration.id == 1)).one_or_none()
    epoch, text, state = row if row is not None else ("", 0, 0)
    return {"text": f"{epoch}|{text}", "state": f"{epoch}|{state}"}


# -- proposals ------------------------------------------------------------------------------------


def proposal_key(version_id: int, inputs: list, signature: dict[str, str]) -> str:
    raw = json.dumps([SCHEMA, version_id, inputs, signature], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


# Decoded proposals, per process. A key hashes everything a proposal depends on and a stored row is
# never updated (only replaced under a new key), so what was read for a key stays true: a repeat
# view neither reads nor decodes the row again (about 60 KB of JSON with 1,000 experts).
_decoded = LRU(256)


def forget_decoded() -> None:
    """Empty this process's decoded proposals (tests: a fresh worker)."""
    _decoded.clear()


def load_proposal(version_id: int, key: str) -> Proposal | None:
    hit = _decoded.get((version_id, key))
    if hit is not None:
        return hit
    payload = db.session.scalar(select(StoredProposal.payload).where(
        StoredProposal.version_id == version_id, StoredProposal.key == key))
    if payload is None:
        return None
    proposal = decode(Proposal, payload)
    _decoded.put((version_id, key), proposal)
    return proposal


def save_proposal(version_id: int, key: str, proposal: Proposal) -> None:
    """Keeps one proposal per version; two workers storing the same one at once is not an error."""
    db.session.execute(StoredProposal.__table__.delete().where(
        StoredProposal.version_id == version_id, StoredProposal.key != key))
    insert = _insert(StoredProposal).values(version_id=version_id, key=key, payload=encode(proposal),
                                            computed_at=datetime.now().astimezone())
    db.session.execute(insert.on_conflict_do_nothing(index_elements=["version_id", "key"]))


def wrote() -> bool:
    """Whether this transaction stored a proposal or tokens (the caller commits to keep them)."""
    return bool(db.session.info.pop("routing_wrote", False))


def _insert(model):
    db.session.info["routing_wrote"] = True
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def upsert(model, rows: list[dict], keys: list[str]) -> None:
    for start in range(0, len(rows), 200):
        stmt = _insert(model).values(rows[start:start + 200])
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={
            c: stmt.excluded[c] for c in rows[0] if c not in keys})
        db.session.execute(stmt)


# -- the codec ------------------------------------------------------------------------------------


def encode(obj):
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _strip(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [encode(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): encode(v) for k, v in obj.items()}
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    return obj


def _strip(obj, name: str):
    # An expert's opinions are the index's business, not the proposal's: they would make it large.
    if name == "opinions_text":
        return ""
    return encode(getattr(obj, name))


@functools.lru_cache(maxsize=None)
def _fields(tp) -> tuple[tuple[str, object], ...]:
    """A dataclass's init fields with their resolved types (resolving is the costly part)."""
    hints = typing.get_type_hints(tp)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(tp) if f.init)


def decode(tp, data):
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return decode(options[0], data) if len(options) == 1 else data
    if dataclasses.is_dataclass(tp):
        return tp(**{name: decode(hint, data[name]) for name, hint in _fields(tp) if name in data})
    if origin in (list, typing.Sequence, typing.Collection) or tp is list:
        (arg,) = typing.get_args(tp) or (typing.Any,)
        return [decode(arg, x) for x in data]
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], x) for x in data)
        return tuple(decode(a, x) for a, x in zip(args, data))
    if origin is dict:
        _, value = typing.get_args(tp)
        return {k: decode(value, v) for k, v in data.items()}
    if tp is date:
        return date.fromisoformat(data)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if tp is float:
        return float(data)
    return data
