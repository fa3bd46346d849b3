"""The Matrix front: mautrix client, ``!commands``, native polls, proposals in direct messages.

Split by responsibility: ``client`` (sync loop, invites, moderators), ``commands`` (text messages
and the proposal conversation), ``polls`` (MSC3381 polls), ``outbox`` (``MatrixOutbox``: rooms
and direct messages for the core), ``render`` (replies as ``m.notice``), ``state`` (sync token,
handled events, direct rooms in SQLite), ``run`` (credentials and start-up).
"""
