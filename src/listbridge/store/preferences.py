"""What a web user chose on a page and expects to find again, one JSON value per key
(table `web_preferences`): for now the dashboard's campaign widget.

A value is checked when read, not only when written: a preference saved by an older
version (a column since renamed) or edited by hand comes back as the nearest sensible
view (core/campaign_widget.py), never as an error on the home page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from listbridge.core.campaign_widget import WidgetView, view_from_json
from listbridge.store.db import Store
from listbridge.store.models import WebPreference

CAMPAIGN_WIDGET = "dashboard.campaign_widget"


def get_preference(store: Store, user_id: int, key: str) -> object | None:
    """The user's value for `key`; None when there is none or it is not JSON."""
    with store.session() as session:
        row = session.get(WebPreference, (user_id, key))
        text = row.value if row is not None else None
    if text is None:
        return None
    try:
        value: object = json.loads(text)
    except ValueError:
        return None
    return value


def set_preference(store: Store, user_id: int, key: str, value: object) -> None:
    """Keep `value` (JSON-serialisable) for the user under `key`, replacing any."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    with store.session() as session:
        row = session.get(WebPreference, (user_id, key))
        if row is None:
            row = WebPreference(user_id=user_id, key=key)
            session.add(row)
        row.value = text
        row.updated_at = datetime.now(UTC)


def campaign_widget_view(store: Store, user_id: int) -> WidgetView:
    return view_from_json(get_preference(store, user_id, CAMPAIGN_WIDGET))


def save_campaign_widget_view(store: Store, user_id: int, view: WidgetView) -> None:
    set_preference(store, user_id, CAMPAIGN_WIDGET, view.as_json())
