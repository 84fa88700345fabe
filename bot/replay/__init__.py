"""Conversation replay: recorded conversations become tests, and the same replays measure speed.

- :mod:`bot.replay.files`   the replay file format (YAML under ``tests/conversations/replays/``)
- :mod:`bot.replay.turns`   a tracker's events split into turns (action and response names)
- :mod:`bot.replay.export`  ``bot export``: tracker store -> replay files
- :mod:`bot.replay.sandbox` per-conversation ledgers (fresh seeded copies) and their effects
- :mod:`bot.replay.switch`  the test switch honoured by the action server (``BOT_TEST_SWITCHES=1``)
- :mod:`bot.replay.runner`  ``bot replay``: drive a live stack, compare, print a diff table
- :mod:`bot.replay.bench`   ``make bench``: load at several concurrencies against a bare baseline
- :mod:`bot.replay.record`  ``scripts/record-replays``: re-record the replay set

Nothing here imports Rasa at import time.
"""
