"""Collect the API routers under ``/api``."""

from __future__ import annotations

from fastapi import APIRouter

from patron.serve.api.routes import (
    analytics,
    audit,
    campaigns,
    complaints,
    csi_programme,
    customers,
    imports,
    interactions,
    orders,
    public,
    surveys,
    text,
    users,
)

api_router = APIRouter(prefix="/api")
for module in (
    customers,
    interactions,
    orders,
    complaints,
    surveys,
    public,
    imports,
    analytics,
    campaigns,
    users,
    audit,
    csi_programme,
    text,
):
    api_router.include_router(module.router)
