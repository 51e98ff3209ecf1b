"""The Constant Contact v3 client: OAuth2 (PKCE, rotating refresh tokens), rate limits,
retries, cursor paging and bulk activities, over one ``httpx.Client``.

The client never imports the store: tokens and the daily budget are saved through the
small protocols in ``ports``, implemented in ``store/`` and wired together in ``sync/``.
"""
