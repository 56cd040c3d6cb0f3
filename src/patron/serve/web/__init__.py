"""Server-rendered pages for staff (and the public survey page), one router per area."""

from __future__ import annotations

from fastapi import APIRouter

from patron.serve.web import (
    analytics,
    auth,
    campaigns,
    comments,
    complaints,
    customers,
    home,
    lists,
    survey_setup,
    surveys,
    tokens,
)

web_router = APIRouter(include_in_schema=False)
for module in (
    auth,
    home,
    customers,
    complaints,
    survey_setup,
    surveys,
    analytics,
    comments,
    campaigns,
    tokens,
    lists,
):
    web_router.include_router(module.router)
