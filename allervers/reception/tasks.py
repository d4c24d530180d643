"""Background work of the reception: the daily privacy sweep, for a scheduler that enqueues
tasks rather than running commands (the command `privacy_sweep` does the same)."""

from django.tasks import task

from .services.privacy import privacy_sweep


@task()
def privacy_sweep_task() -> list[str]:
    """Run the privacy sweep; the result is its French summary, one line each."""
    return privacy_sweep().lines()
