"""Handlers of concepts: List, Get, Post."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import concepts
from connector.emulator.backend.objects import lookup
from connector.emulator.handlers.common import Ctx, Handler, newest_first, page_of

__all__ = ["HANDLERS"]


def list_concepts(ctx: Ctx) -> dict[str, Any]:
    return {"concepts": page_of(ctx.req, newest_first(ctx.app_data.concepts))}


def get_concept(ctx: Ctx) -> dict[str, Any]:
    return {"concept": lookup(ctx.app_data.concepts, ctx.req.get("concept_id", ""), "concept")}


def post_concepts(ctx: Ctx) -> dict[str, Any]:
    return {"concepts": concepts.create_concepts(ctx.store, ctx.app_data, ctx.req.get("concepts", []))}


HANDLERS: dict[str, Handler] = {"ListConcepts": list_concepts, "GetConcept": get_concept, "PostConcepts": post_concepts}
