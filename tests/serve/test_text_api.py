"""POST /api/text/score: sentiment, reason and aspects of comments sent in the request."""

from __future__ import annotations


def test_api_scores_comments(service) -> None:
    analyst = service.auth("analyst")
    reply = service.client.post(
        "/api/text/score",
        json={"texts": ["房间很干净，但是早餐太差", "😀", "Rude staff at check-in"]},
        headers=analyst,
    )
    assert reply.status_code == 200, reply.text
    first, emoji, english = reply.json()
    assert {a["aspect"]: a["label"] for a in first["aspects"]} == {
        "room": "positive", "cleanliness": "positive", "food": "negative",
    }  # fmt: skip
    assert emoji["label"] == "" and emoji["reason"]
    assert english["label"] == "negative" and "rude" in english["words"]
    too_many = service.client.post("/api/text/score", json={"texts": ["x"] * 1001}, headers=analyst)
    assert too_many.status_code == 422
