"""Sync with gpodder.net-compatible servers and Nextcloud's GPodder Sync app.

The pieces, lightest first (the light ones are imported by the library's own modules, so
they import nothing heavy):

- :mod:`library.sync.actions`: episode actions and timestamps on the wire.
- :mod:`library.sync.outbox`: local changes recorded for upload, in the change's own
  transaction.
- :mod:`library.sync.apply`: remote changes applied to the library (newest action wins),
  and remembered until their episode appears.
- :mod:`library.sync.settings`: the ``[sync]`` table, the password, writing the table.
- :mod:`library.sync.client`: the two HTTP dialects, with retries and ``Retry-After``.
- :mod:`library.sync.engine`: :func:`~library.sync.engine.sync`, one whole sync, for the
  CLI and for a UI's worker thread.
"""
