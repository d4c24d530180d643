"""Background work of the screening: « Vos droits estimés » sent by a link (arguments are keys)."""

from django.tasks import task

from .sharing import estimated_rights_link_deliver


@task()
def send_estimated_rights_link(link_id: int) -> str:
    """The e-mail or SMS of one link, sent at most once (`sharing`)."""
    return estimated_rights_link_deliver(link_id=link_id)
