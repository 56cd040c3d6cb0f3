"""Imports: upload a file of customers, orders, interactions … and get the import summary."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path as FilePath
from typing import Literal

from fastapi import APIRouter, UploadFile

from patron.collect import audit
from patron.core.files import private_dir
from patron.core.i18n import _
from patron.exceptions import InputError
from patron.serve.api.deps import Allowed, SessionDep, WorkspaceDep
from patron.serve.api.schemas import ErrorBody, ImportResult

router = APIRouter(
    prefix="/imports",
    tags=["imports"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 413, 422, 503)},
)
Kind = Literal[
    "customers",
    "orders",
    "order-lines",
    "interactions",
    "complaints",
    "responses",
    "preferences",
    "important-dates",
]


@router.post("/{kind}", response_model=ImportResult, status_code=201)
def upload(
    kind: Kind,
    file: UploadFile,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: Allowed("imports:run"),
    dry_run: bool = False,
) -> ImportResult:
    """Import an uploaded CSV/Excel/Parquet file; returns what was read, imported, rejected.

    The body is refused (413) as soon as it passes ``PATRON_MAX_UPLOAD_MB`` (512 MB unless
    set), while it arrives: see ``BodyLimitMiddleware``.
    """
    from patron.collect.importers import import_file

    suffix = FilePath(file.filename or "upload.csv").suffix.lower()[:10] or ".csv"
    uploads = workspace.root / "uploads"
    private_dir(uploads)
    with tempfile.NamedTemporaryFile(dir=uploads, suffix=suffix, delete=False) as handle:
        shutil.copyfileobj(file.file, handle, length=1024 * 1024)
        path = FilePath(handle.name)
    try:
        if path.stat().st_size == 0:
            raise InputError(_("the file {name} is empty").format(name=file.filename))
        summary = import_file(workspace, kind, path, dry_run=dry_run, progress=False)
    finally:
        path.unlink(missing_ok=True)
    result = summary.to_dict()
    audit.record(
        session,
        actor,
        "import",
        kind,
        file.filename,
        detail={k: v for k, v in result.items() if isinstance(v, int | float | str | None)},
    )
    session.commit()
    return ImportResult(kind=kind, summary=result)
