"""Back-office screens of the planning, one module per idea. Thin: forms validate, services
write (`services.py`), queries read (`queries.py`); forms go through `core.form_views`.

Roles: the coordinator plans (every write); agents and partners read; a partner also declares
or withdraws its own organisation's presence on future stops; viewers see none of these screens
but the home page.
"""

from .home import home, public_page_visit
from .pattern_rota import (
    patterns_copy,
    rota_agent_add,
    rota_apply,
    rota_declare,
    rota_line_approve,
    rota_line_edit,
    rota_line_remove,
    rota_partner_add,
)
from .patterns import (
    pattern_create,
    pattern_delete,
    pattern_detail,
    pattern_edit,
    pattern_generate,
    pattern_list,
)
from .periods import month, upcoming, week
from .rota import coverage, presence_add, presence_withdraw, staff_add, staff_remove, staff_rota
from .sites import site_archive, site_create, site_detail, site_edit, site_list
from .stops import stop_cancel, stop_create, stop_detail, stop_move, stop_restore

__all__ = [
    "coverage",
    "home",
    "month",
    "pattern_create",
    "pattern_delete",
    "pattern_detail",
    "pattern_edit",
    "pattern_generate",
    "pattern_list",
    "patterns_copy",
    "presence_add",
    "presence_withdraw",
    "public_page_visit",
    "rota_agent_add",
    "rota_apply",
    "rota_declare",
    "rota_line_approve",
    "rota_line_edit",
    "rota_line_remove",
    "rota_partner_add",
    "site_archive",
    "site_create",
    "site_detail",
    "site_edit",
    "site_list",
    "staff_add",
    "staff_remove",
    "staff_rota",
    "stop_cancel",
    "stop_create",
    "stop_detail",
    "stop_move",
    "stop_restore",
    "upcoming",
    "week",
]
