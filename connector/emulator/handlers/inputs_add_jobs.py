"""Handlers of inputs add jobs: List, Get (jobs are created by PostInputs)."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend.objects import lookup
from connector.emulator.handlers.common import Ctx, Handler, newest_first, page_of

__all__ = ["HANDLERS"]


def list_inputs_add_jobs(ctx: Ctx) -> dict[str, Any]:
    return {"inputs_add_jobs": page_of(ctx.req, newest_first(ctx.app_data.add_jobs))}


def get_inputs_add_job(ctx: Ctx) -> dict[str, Any]:
    return {"inputs_add_job": lookup(ctx.app_data.add_jobs, ctx.req.get("id", ""), "inputs add job")}


HANDLERS: dict[str, Handler] = {"ListInputsAddJobs": list_inputs_add_jobs, "GetInputsAddJob": get_inputs_add_job}
