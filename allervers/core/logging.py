"""Logging pieces of the settings: refusals on one line, server errors in full."""

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """Drop the traceback of a 4xx answer (a 403 carries its `PermissionDenied`).

    A refusal or a missing page is the site working as it should: one line says which address
    and which status; a traceback would bury the real errors (5xx keep theirs).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
