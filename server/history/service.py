"""The history as the server runs it: the store, the webhook dispatcher and the retention timer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings
from server.history.database import make_engine, sqlite_url
from server.history.outbox import DeliveryPolicy, WebhookDispatcher
from server.history.retention import RetentionSweeper
from server.history.store import HistoryStore

log = logging.getLogger(__name__)
DEFAULT_DB_NAME = "history.db"


def database_url(settings: Settings) -> str:
    """history.database_url, or the SQLite file beside the processed images."""
    return settings.history.database_url or sqlite_url(settings.resolve(settings.output.root_dir) / DEFAULT_DB_NAME)


@dataclass
class History:
    """Everything of the history that runs in the server process."""

    store: HistoryStore
    dispatcher: WebhookDispatcher
    sweeper: RetentionSweeper
    keep_images_for_unlisted: bool

    def start(self) -> None:
        """Start delivering webhooks and sweeping old reads."""
        self.dispatcher.start()
        self.sweeper.start()

    def close(self) -> None:
        """Stop the threads and release the database."""
        self.sweeper.stop()
        self.dispatcher.stop()
        self.store.close()


def build_history(settings: Settings) -> History:
    """Open (and migrate) the configured database and wire the dispatcher to it."""
    h = settings.history
    url = database_url(settings)
    store = HistoryStore(make_engine(url), tz=settings.tz)
    policy = DeliveryPolicy(secret=h.webhook_secret.get_secret_value(), timeout_s=h.webhook_timeout_s,
                            max_attempts=h.webhook_max_attempts, backoff_s=h.webhook_backoff_s,
                            max_backoff_s=h.webhook_max_backoff_s)
    dispatcher = WebhookDispatcher(store.engine, policy)
    store.on_enqueued(dispatcher.wake)
    root = settings.resolve(settings.output.root_dir)
    sweeper = RetentionSweeper(store, days=h.retention_days, base_dir=Path(settings.base_dir), root=root,
                               interval_s=h.retention_interval_s)
    log.info("history: %s", store.engine.url.render_as_string(hide_password=True))
    return History(store, dispatcher, sweeper, keep_images_for_unlisted=h.keep_images == "all")
