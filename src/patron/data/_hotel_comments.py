"""What the synthetic guests wrote in the survey's comment box, in their own language.

About three in five survey answers carry a comment of one or two clauses, each about
one aspect of the stay (room, cleanliness, breakfast, staff, check-in, location, price,
noise, Wi-Fi), in Chinese for guests whose language is Chinese and in English otherwise.
A clause praises its aspect with probability ``σ(0.4 + 1.4·driver)`` where the driver is
the guest's latent quality (value for price): comments follow the scores, as real ones do.
Two stories are planted for the text analytics to find:

- **Wi-Fi trouble in the last four months**: Wi-Fi is raised four times as often and
  mostly criticised (the "trend of negative share" should show it);
- **the kids' club**, an aspect no taxonomy lists, is talked about only in the last
  month (the "emerging topics" should find it as new); a few comments name no aspect
  at all ("Thank you, we will come back").

The draws come from a generator of their own (spawned from the world's seed), so adding
comments changes no other figure of the world.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from patron.data import _hotel_model as M

COMMENT_ITEM = "comment"
COMMENT_RATE = 0.6
VALUE = M.CONSTRUCTS.index("value")

# aspect -> (positive en, negative en, positive zh, negative zh), two variants each.
PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "room": (
        ("The room was spacious and the bed very comfortable", "Lovely room with a great view"),
        (
            "The room was cramped and the mattress uncomfortable",
            "Our room was tired and the bed sagged",
        ),
        ("房间很宽敞，床也很舒服", "房间景观非常好"),
        ("房间太小，床垫很不舒服", "房间陈旧，床很差"),
    ),
    "cleanliness": (
        ("Everything was spotless", "The bathroom was very clean"),
        ("The sheets were stained and the carpet dirty", "Hair in the shower, not clean at all"),
        ("卫生非常干净", "房间打扫得很整洁"),
        ("床单有污渍，卫生很差", "房间有异味，不干净"),
    ),
    "food": (
        ("Breakfast was excellent with lots of choice", "Great coffee at breakfast"),
        ("Disappointing breakfast, cold and boring", "The restaurant food was poor"),
        ("早餐很丰富，品种多", "早餐味道不错"),
        ("早餐太差了，品种很少", "餐厅的饭菜很难吃"),
    ),
    "service": (
        ("The staff were friendly and helpful", "Excellent service from everyone"),
        ("The reception staff were rude", "Service was slow and unhelpful"),
        ("服务员很热情，服务周到", "前台态度非常好"),
        ("前台态度很差", "服务太慢，员工不耐烦"),
    ),
    "checkin": (
        ("Check-in was easy and the receptionist friendly", "Great, efficient check-out"),
        ("Terrible check-in, we waited forty minutes", "Check-out was a mess, long queue"),
        ("办理入住手续很顺利", "退房手续简单快捷"),
        ("办理入住太慢，等了很久", "退房排队太慢"),
    ),
    "location": (
        ("Great location near the station", "Perfect location, close to everything"),
        ("Bad location, far from everything", "Awful location, far from the metro"),
        ("位置很好，交通方便", "离地铁站很近，很方便"),
        ("位置偏僻，打车很难", "交通不方便，离市中心太远"),
    ),
    "value": (
        ("Good value for money", "Fair price for what you get"),
        ("Overpriced for what you get", "Too expensive, not worth the money"),
        ("性价比很高", "价格实惠，物有所值"),
        ("价格太贵，不值", "房价偏高，性价比很差"),
    ),
    "noise": (
        ("Wonderfully quiet at night", "Peaceful and quiet, slept well"),
        ("Very noisy at night, thin walls", "Annoying loud music from the bar until late"),
        ("晚上很安静", "隔音很好，睡得很好"),
        ("晚上太吵了，隔音很差", "噪音很大，根本睡不着"),
    ),
    "wifi": (
        ("The Wi-Fi was great", "Good internet connection in the room"),
        ("The Wi-Fi was terrible, it kept dropping", "The internet was too slow to work"),
        ("网络很好，很稳定", "网速不错"),
        ("网络太差，经常断线", "网速很慢，无法工作"),
    ),
}
KIDS_CLUB = (
    ("The kids club closed early every day.", "Our children missed the kids club activities."),
    ("儿童乐园每天很早就关门了。", "孩子们没能参加儿童乐园的活动。"),
)
GENERIC = (
    ("Thank you, we will come back.", "Nothing to add.", "See you next year!"),
    ("谢谢，下次还会再来。", "没有其他意见。", "明年见！"),
)
ASPECTS = tuple(PHRASES)
# How often each aspect is raised (room and staff most, Wi-Fi least).
WEIGHTS = np.array([0.18, 0.14, 0.14, 0.16, 0.09, 0.08, 0.09, 0.07, 0.05])
# In the last four months the Wi-Fi fails: guests raise it four times as often.
RECENT_WEIGHTS = np.append(WEIGHTS[:-1] * 0.8 / WEIGHTS[:-1].sum(), 0.2)
BIAS = {"wifi": -0.3, "noise": -0.2, "value": -0.1}


def comments(
    rng: np.random.Generator,
    responses: pd.DataFrame,
    eta: np.ndarray,
    chinese: np.ndarray,
    end_day: int,
) -> pd.DataFrame:
    """One comment row (item ``comment``, no value, ``text_value``) for about a third of
    the responses; ``eta`` and ``chinese`` are per response, in ``responses`` order."""
    first = responses.drop_duplicates("response_id")
    n = len(first)
    has = rng.random(n) < COMMENT_RATE
    at = pd.to_datetime(first["responded_at"], utc=True)
    day = ((at - pd.Timestamp(M.EPOCH, tz="UTC")).dt.days).to_numpy()
    recent = day > end_day - 122
    latest = day > end_day - 31
    texts = []
    for i in np.flatnonzero(has):
        language = 1 if chinese[i] else 0
        if latest[i] and rng.random() < 0.6:  # the new topic, in a comment of its own
            texts.append(_pick(rng, KIDS_CLUB[language]))
            continue
        if rng.random() < 0.12:  # a comment that names no aspect at all
            texts.append(_pick(rng, GENERIC[language]))
            continue
        clauses = []
        weights = RECENT_WEIGHTS if recent[i] else WEIGHTS
        for aspect in rng.choice(ASPECTS, size=1 + (rng.random() < 0.45), replace=False, p=weights):
            driver = eta[i, VALUE] if aspect == "value" else eta[i, M.QUAL]
            bias = BIAS.get(aspect, 0.0) - (1.6 if aspect == "wifi" and recent[i] else 0.0)
            good = rng.random() < M.sigmoid(0.4 + bias + 1.4 * driver)
            clauses.append(_pick(rng, PHRASES[aspect][2 * language + (0 if good else 1)]))
        texts.append(("，" if chinese[i] else ". ").join(clauses) + ("。" if chinese[i] else "."))
    rows = first.iloc[np.flatnonzero(has)]
    return pd.DataFrame(
        {
            "response_id": rows["response_id"].to_numpy(),
            "customer_id": rows["customer_id"].to_numpy(),
            "survey_code": rows["survey_code"].to_numpy(),
            "item_code": COMMENT_ITEM,
            "value": np.nan,
            "text_value": np.array(texts, dtype=object),
            "responded_at": rows["responded_at"].to_numpy(),
            "source": rows["source"].to_numpy(),
        }
    )


def _pick(rng: np.random.Generator, variants: tuple[str, ...]) -> str:
    return variants[rng.integers(len(variants))]


def chinese_guests(g: dict[str, Any], guests: np.ndarray) -> np.ndarray:
    """Whether each guest writes in Chinese (their language is Chinese)."""
    return np.asarray(g["language"])[guests] == "zh_CN"
