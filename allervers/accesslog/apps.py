from django.apps import AppConfig


class AccessLogConfig(AppConfig):
    name = "allervers.accesslog"
    label = "accesslog"
    verbose_name = "Journal des accès"
