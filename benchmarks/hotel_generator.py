"""How fast the synthetic hotel world is generated (3,000 and 100,000 guests).

Run by hand: ``.venv/bin/python benchmarks/hotel_generator.py``.
"""

from __future__ import annotations

import time

from patron.data.hotel import generate_hotel


def main() -> None:
    for n_guests in (3_000, 100_000):
        started = time.perf_counter()
        data = generate_hotel(n_guests=n_guests)
        elapsed = time.perf_counter() - started
        rows = sum(data.counts().values())
        print(f"{n_guests:>7,} guests: {elapsed:6.2f} s, {rows:,} rows ({data.counts()})")


if __name__ == "__main__":
    main()
