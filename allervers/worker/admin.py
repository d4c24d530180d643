"""Platform staff's « État du service »: the workers' list in the admin, headed by the state of
the queue, the failed tasks and every structure's failed messages."""

from django.contrib import admin

from . import queries
from .models import WorkerHeartbeat
from .views import minutes


@admin.register(WorkerHeartbeat)
class ServiceStateAdmin(admin.ModelAdmin):
    list_display = ("hostname", "pid", "started_at", "seen_at")
    change_list_template = "admin/worker/service_state.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        state = queries.service_state()
        context = {"state": state, "oldest_minutes": minutes(state.oldest_waiting)}
        return super().changelist_view(request, {**(extra_context or {}), **context})
