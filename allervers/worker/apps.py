from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "allervers.worker"
    verbose_name = "Tâches de fond"
