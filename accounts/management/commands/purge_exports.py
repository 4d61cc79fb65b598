"""Delete "download your data" archives past DATA_EXPORT_RETENTION_DAYS, failed ones and
ones whose build died. Run it daily (cron, a Kubernetes CronJob, celery beat)."""

from typing import Any

from django.core.management.base import BaseCommand

from accounts.services import data_export_purge


class Command(BaseCommand):
    help = "Delete expired, failed and dead data exports with their files."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = data_export_purge()
        self.stdout.write(f"Deleted {deleted} export(s).")
