"""Score and tag open comments sent in the request: sentiment, reason and aspects per comment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from patron.serve.api.deps import Allowed
from patron.serve.api.schemas import ErrorBody

router = APIRouter(
    prefix="/text",
    tags=["text"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 422)},
)

INDUSTRY = r"^(hotel|retail|bank|fuel)$"


class CommentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: Annotated[
        list[Annotated[str, Field(max_length=100_000)]], Field(min_length=1, max_length=1000)
    ]
    taxonomy: Annotated[str, Field(pattern=INDUSTRY)] = "hotel"


class AspectOut(BaseModel):
    aspect: str
    name: str
    label: str
    score: float
    clause: str


class CommentOut(BaseModel):
    language: str
    sentiment: float
    label: str
    reason: str
    words: list[str]
    aspects: list[AspectOut]


@router.post("/score", response_model=list[CommentOut])
def score(body: CommentsIn, actor: Allowed("analytics:read")) -> list[CommentOut]:
    """Zero-shot sentiment (with the deciding words) and aspects of each comment; an
    empty, emoji-only or undecodable comment gets its reason instead of a label."""
    from patron.analyze.text.aspects import AspectTagger, load_taxonomy
    from patron.analyze.text.lexicon import default_lexicon
    from patron.analyze.text.reading import read_comment

    taxonomy = load_taxonomy(body.taxonomy)
    tagger, lexicon = AspectTagger(taxonomy), default_lexicon()
    out = []
    for text in body.texts:
        comment = read_comment(text)
        s = lexicon.score(comment)
        out.append(
            CommentOut(
                language=comment.language,
                sentiment=s.score,
                label=s.label,
                reason=comment.reason_text(),
                words=[w for w, _ in s.words],
                aspects=[
                    AspectOut(
                        aspect=m.aspect,
                        name=taxonomy[m.aspect].name(),
                        label=m.label,
                        score=m.score,
                        clause=m.clause,
                    )
                    for m in tagger.tag(comment)
                ],  # fmt: skip
            )
        )
    return out
