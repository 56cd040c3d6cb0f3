"""What do customers say in their own words? Open-comment analytics in Chinese and English.

Modules, each answering one question:

- :mod:`~patron.analyze.text.reading` — how is a comment read (cleaned, its language
  detected, segmented) and why is one left unread?
- :mod:`~patron.analyze.text.lexicon` — what sentiment does a comment carry without any
  labels (the zero-shot default)?
- :mod:`~patron.analyze.text.learned` — what sentiment does a model learned from the
  firm's own rated comments give?
- :mod:`~patron.analyze.text.aspects` — which aspects (room, staff, price …) does a
  comment talk about, and how does it feel about each?
- :mod:`~patron.analyze.text.topics` — what do the comments that fit no aspect talk about?
- :mod:`~patron.analyze.text.indicators` — which aspects should the satisfaction
  indicator system measure?
"""
