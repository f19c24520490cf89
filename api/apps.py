from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API access"

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the OpenAPI extension for token auth
