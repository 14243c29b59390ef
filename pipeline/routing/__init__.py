"""Expert routing: score experts against a parsed draft and propose conflict-free panels.

Flask-free and database-free: callers pass ``ExpertProfile`` dataclasses and parsed-draft dicts
(``pipeline.run_file(path).to_dict()``). See docs/routing.md.
"""
from .dense import Embedder, EmbeddingCache, load_embedder
from .flow import AssignmentProblem, Solution, solve
from .index import DraftScores, ExpertIndex
from .model import (Alternate, BatchResult, EXCLUSION_CODES, Excluded, Exclusion, ExpertProfile, Match,
                    PanelMember, Proposal, Reasons)
from .panel import assign_batch, propose_panel
from .text import DraftText, draft_from_text, draft_text as prepare_draft

__all__ = [
    "Alternate", "AssignmentProblem", "BatchResult", "DraftScores", "DraftText", "EXCLUSION_CODES",
    "Embedder", "EmbeddingCache", "Excluded", "Exclusion", "ExpertIndex", "ExpertProfile", "Match",
    "PanelMember", "Proposal", "Reasons", "Solution", "assign_batch", "draft_from_text", "load_embedder",
    "prepare_draft", "propose_panel", "solve",
]
