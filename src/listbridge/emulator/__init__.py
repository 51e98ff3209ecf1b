"""A Constant Contact v3 emulator: the API under ``/v3``, OAuth2, and test controls.

Same URLs, shapes and rules as the real service (``shared/specs``, the facts sheet), held in
memory for speed and saved to SQLite with ``--state``. How it is put together:

    app.py          create_app(config, state): routers, the /v3 gate, error handlers, lifespan
    config.py       EmulatorConfig (also built by the ``listbridge emulator`` command)
    state.py        EmulatorState: every record behind one lock; model.py, index.py hold them
    contact_*.py    the contact rules (consent, lists, limits), writes and GET /contacts queries
    activities.py   the bulk-activity worker; bulk.py, imports.py, exports.py its jobs
    oauth_server.py codes, PKCE and rotating refresh tokens; auth.py the bearer check
    gate.py         per-endpoint counters, injected faults and rate limits (ratelimit.py);
                    wire_faults.py the faults below HTTP (connection resets, cut-short JSON)
    persistence.py  --state FILE; server.py serves it; testing.py runs it in a test thread
    routes/         one router per API area, plus /__emulator__ controls
"""
