"""Server-rendered pages for staff (and the public survey page), one router per area."""

from __future__ import annotations

from fastapi import APIRouter

from patron.serve.web import (
    analytics,
    auth,
    campaigns,
    complaints,
    customers,
    home,
    surveys,
    tokens,
)

web_router = APIRouter(include_in_schema=False)
for module in (auth, home, customers, complaints, surveys, analytics, campaigns, tokens):
    web_router.include_router(module.router)
