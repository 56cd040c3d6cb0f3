"""The public survey endpoints: read the questions behind a link, answer them once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from patron.collect import surveys as service
from patron.core.i18n import _, current_language, normalize_language
from patron.serve.api.deps import SessionDep, WorkspaceDep
from patron.serve.api.schemas import (
    ErrorBody,
    PublicAnswer,
    PublicQuestion,
    PublicSurvey,
    ResponseStored,
)

router = APIRouter(
    prefix="/public/surveys",
    tags=["public"],
    responses={code: {"model": ErrorBody} for code in (400, 404, 410, 422)},
)
Token = Annotated[str, Path(min_length=1, max_length=500)]


@router.get("/{token}", response_model=PublicSurvey)
def read_questions(
    token: Token,
    session: SessionDep,
    workspace: WorkspaceDep,
    lang: Annotated[str | None, Query(max_length=10)] = None,
) -> PublicSurvey:
    """The questions of an unused, unexpired invitation, in English or Chinese."""
    _invitation, survey = service.open_invitation(session, token, secret_key=workspace.secret_key)
    language = normalize_language(lang) if lang else current_language()
    return PublicSurvey(
        survey=survey.code,
        name=survey.name,
        language=language,
        questions=[PublicQuestion(**q) for q in service.survey_items(survey, language)],
    )


@router.post("/{token}/responses", response_model=ResponseStored, status_code=201)
def answer(
    token: Token, body: PublicAnswer, session: SessionDep, workspace: WorkspaceDep
) -> ResponseStored:
    """Store the answers once; a second submit with the same link gets 410."""
    response_id = service.submit_response(
        session,
        token,
        body.answers,
        secret_key=workspace.secret_key,
        source="api",
        comment=body.comment,
    )
    return ResponseStored(
        response_id=response_id, message=_("thank you: your answers are recorded")
    )
