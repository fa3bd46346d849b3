"""Live polls on key statements (issue 5).

``model`` (questions, scales, parsing), ``store`` (polls in memory and the group-commit vote
writer on the bot's database; ``batch`` its SQL per batch, ``rows`` the statements, ``sync``
polls followed across processes), ``service`` (start, vote, close, timers), ``replies`` (what
the commands answer), ``text`` (the ``/poll`` and ``/vote`` text commands), ``chart`` (the
result as a PNG), ``refresh`` (coalesced live tallies). No front imports anything but
``service``, ``replies`` and ``refresh``.
"""
