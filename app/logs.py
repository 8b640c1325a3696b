"""The app's log file (under Paths.logs), with API keys redacted on the way out."""

from __future__ import annotations

import logging
import logging.handlers

from app.secrets import redact
from app.settings import Paths


class RedactKeys(logging.Filter):
    """Scrubs anything that looks like an API key from every record."""

    def __init__(self, keys=()) -> None:
        super().__init__()
        self.keys = list(keys)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), *self.keys)
        record.args = ()
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, *self.keys)
            record.exc_info = None
        return True


def setup_logging(paths: Paths, name: str = "s2v-studio.log", keys=()) -> logging.Handler:
    paths.logs.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        paths.logs / name, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactKeys(keys))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for noisy in ("httpx", "httpcore"):  # their request lines would carry URLs with ids only,
        logging.getLogger(noisy).setLevel(logging.WARNING)  # but keep the log about our jobs
    return handler
