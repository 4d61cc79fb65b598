from django.apps import AppConfig


class SocialConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "social"

    def ready(self) -> None:
        from social import lifecycle, receivers

        receivers.connect()
        lifecycle.connect()
