from django.dispatch import receiver  # noqa
