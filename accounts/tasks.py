"""Background work of accounts: building "download your data" archives.

`start_data_export` is called from `transaction.on_commit` (accounts.services), so the
builder never looks for a row that could still roll back. Who builds (DATA_EXPORT_RUNNER):

- "celery": a Celery worker (`celery -A instaclone worker`), the choice whenever a broker
  is configured ("auto"). With CELERY_TASK_ALWAYS_EAGER (tests) it runs inline.
- "thread": a thread of the web process, the embedded default without a broker. There is
  no worker process to hand the job to then, and building inline would keep the request
  open for as long as reading every photo of the account takes. The thread answers
  nothing to anybody: the DataExport row carries its progress and outcome. If the process
  dies mid-build the row stops moving; accounts.services treats it as dead after a while
  and the user can ask again.
"""

import logging
import threading

from django.conf import settings
from django.db import connection

from accounts.export import build_export
from instaclone.celery import app

logger = logging.getLogger(__name__)


@app.task(name="accounts.build_data_export")
def build_data_export(export_id: int) -> None:
    build_export(export_id=export_id)


def _runner() -> str:
    runner = settings.DATA_EXPORT_RUNNER
    if runner == "auto":
        return "celery" if settings.CELERY_BROKER_URL else "thread"
    return runner


def _build_in_thread(export_id: int) -> None:
    try:
        build_export(export_id=export_id)
    except Exception:
        logger.exception("Export %s failed in its thread", export_id)
    finally:
        # This thread's own connection; it would otherwise linger until the process ends.
        connection.close()


def _start_thread(export_id: int) -> None:
    threading.Thread(
        target=_build_in_thread, args=(export_id,), name=f"data-export-{export_id}", daemon=True
    ).start()


def start_data_export(export_id: int) -> None:
    """Start building the export `export_id` (a pending row, committed)."""
    if _runner() != "celery":
        _start_thread(export_id)
        return
    if settings.CELERY_TASK_ALWAYS_EAGER:
        build_data_export.run(export_id)
        return
    try:
        build_data_export.apply_async(args=(export_id,))
    except Exception:
        # The request already committed; a broker outage must not lose the export.
        logger.exception("Could not queue export %s; building it in a thread", export_id)
        _start_thread(export_id)
