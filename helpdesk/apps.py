from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Helpdesk wiring"


class HelpdeskAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site (every deletion audited; see admin_site.py)."""

    default = False  # named in INSTALLED_APPS in place of django.contrib.admin
    default_site = "helpdesk.admin_site.HelpdeskAdminSite"
