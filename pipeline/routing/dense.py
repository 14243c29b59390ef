"""Optional dense embeddings through sentence-transformers, cached by (model, text hash).

A profile whose text changes gets a new hash, so its stale embedding is simply never looked up again.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger("pipeline.routing")

_warned: set[str] = set()
# Loaded models, reused: loading takes seconds and the app may build an index per request.
_models: dict[tuple[str, str], object] = {}
_warn_lock = threading.Lock()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Embeddings keyed by (model id, sha256 of text); in memory, plus a sqlite file if ``directory`` is given."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self._mem: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.hits = 0
        self.misses = 0
        if directory is not None:
            path = Path(directory)
            path.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path / "embeddings.sqlite3", check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS embedding (model TEXT NOT NULL, hash TEXT NOT NULL,"
                             " dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, hash))")
            self._db.commit()

    def get(self, model: str, digest: str) -> np.ndarray | None:
        with self._lock:
            vec = self._mem.get((model, digest))
            if vec is None and self._db is not None:
                row = self._db.execute("SELECT vec FROM embedding WHERE model = ? AND hash = ?",
                                       (model, digest)).fetchone()
                if row is not None:
                    vec = np.frombuffer(row[0], dtype=np.float32).copy()
                    self._mem[(model, digest)] = vec
            if vec is None:
                self.misses += 1
            else:
                self.hits += 1
            return vec

    def put_many(self, model: str, items: list[tuple[str, np.ndarray]]) -> None:
        with self._lock:
            for digest, vec in items:
                self._mem[(model, digest)] = vec
            if self._db is not None and items:
                self._db.executemany(
                    "INSERT OR REPLACE INTO embedding (model, hash, dim, vec) VALUES (?, ?, ?, ?)",
                    [(model, d, int(v.shape[0]), v.astype(np.float32).tobytes()) for d, v in items])
                self._db.commit()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class Embedder:
    """Unit-length sentence embeddings of one model, through a cache."""

    def __init__(self, model, model_id: str, cache: EmbeddingCache | None = None) -> None:
        self.model = model
        self.model_id = model_id
        self.cache = cache if cache is not None else EmbeddingCache()

    def embed(self, texts: list[str]) -> np.ndarray:
        digests = [text_hash(t) for t in texts]
        dim = self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension") \
            else self.model.get_sentence_embedding_dimension()
        out = np.zeros((len(texts), dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        for i, digest in enumerate(digests):
            vec = self.cache.get(self.model_id, digest)
            if vec is None:
                todo.setdefault(digest, []).append(i)
            else:
                out[i] = vec
        if todo:
            firsts = [rows[0] for rows in todo.values()]
            vecs = np.asarray(self.model.encode([texts[i] for i in firsts], normalize_embeddings=True,
                                                show_progress_bar=False, convert_to_numpy=True), dtype=np.float32)
            for rows, vec in zip(todo.values(), vecs):
                out[rows] = vec
            self.cache.put_many(self.model_id, list(zip(todo.keys(), vecs)))
        return out


def load_embedder(name_or_path: str | Path | None, *, cache: EmbeddingCache | None = None,
                  device: str = "cpu") -> Embedder | None:
    """Load a sentence-transformers model from a local path or the local Hugging Face cache.

    Never touches the network (``local_files_only``). A model is loaded once per process and shared
    by later calls. On failure logs one warning per model name and returns None, so the caller
    routes lexically.
    """
    if not name_or_path:
        return None
    name = str(name_or_path)
    model = _models.get((name, device))
    if model is not None:
        return Embedder(model, name, cache)
    try:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(name, device=device, local_files_only=True)
    except Exception as exc:  # any loading failure means the same thing: no dense scores
        with _warn_lock:
            if name not in _warned:
                _warned.add(name)
                first = (str(exc).strip().splitlines() or [""])[0]
                log.warning("embedding model %r cannot be loaded (%s: %s); routing uses the lexical index only",
                            name, type(exc).__name__, first)
        return None
    _models[(name, device)] = model
    return Embedder(model, name, cache)
