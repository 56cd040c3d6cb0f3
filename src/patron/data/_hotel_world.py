"""How the synthetic hotel world is drawn, step by step (the engine behind ``generate_hotel``).

Order matters for reproducibility: every step draws from the one generator in the
sequence below, so changing a step changes every later draw. The steps live in
``_hotel_guests``, ``_hotel_stays`` and ``_hotel_contacts``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from patron.data import _hotel_contacts as C
from patron.data import _hotel_guests as G
from patron.data import _hotel_model as M
from patron.data import _hotel_stays as S


def build(rng: np.random.Generator, n: int, as_of: date) -> dict[str, pd.DataFrame]:
    """Draw the whole world; returns the ``HotelData`` frames (without the truth) by name."""
    end_day = (as_of - M.EPOCH).days  # index of the as_of day; events up to its end
    g = G.guests(rng, n, as_of, end_day)
    s = S.stays(rng, g, n, end_day)
    S.add_oriental(g, s, as_of)
    s = S.sorted_stays(s)
    stays, stay_lines, stay_truth = S.stay_frames(s, g, end_day)
    interactions = C.interactions(rng, s, g, end_day)
    complaints = C.complaints(rng, s, g, stays, end_day)
    # The comments draw from a generator of their own: adding them moves no other draw.
    comment_rng = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
    responses = C.responses(rng, s, g, end_day, comment_rng)
    guests, latent = G.guest_frames(g)
    preferences = G.preferences(rng, s, g, n)
    important_dates = G.important_dates(rng, g, end_day)
    return {
        "guests": guests,
        "preferences": preferences,
        "important_dates": important_dates,
        "stays": stays,
        "stay_lines": stay_lines,
        "interactions": interactions,
        "complaints": complaints,
        "responses": responses,
        "survey_items": C.survey_items(),
        "latent": latent,
        "stay_truth": stay_truth,
    }
