import zoneinfo

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from allervers.accesslog.enums import Action
from allervers.accesslog.services import membership_detail, record

from .models import Membership, Operator
from .services import invitation_resend, operator_create, operator_create_check


@admin.display(description="accès et invitation")
def membership_state(membership: Membership) -> str:
    """The member's state and, when the invitation failed, « invitation non envoyée » with the
    reason (the team page shows the same)."""
    if membership.pk is None:
        return "—"
    parts = [membership.state]
    if membership.invitation_error:
        parts.append(f"invitation non envoyée : {membership.invitation_error}")
    elif membership.invitation_pending_send:
        parts.append("invitation en cours d'envoi")
    elif membership.invitation_link_expired:
        parts.append("lien de l'invitation expiré")
    return " — ".join(parts)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "partner", "is_active", membership_state]
    readonly_fields = [membership_state]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """The platform's view of every role, with the invitations to send again."""

    list_display = ["user", "operator", "role", membership_state]
    list_filter = ["role", "is_active", "awaiting_acceptance"]
    search_fields = ["user__email", "operator__name"]
    list_select_related = ["user", "operator"]
    fields = ["user", "operator", "role", "partner", "is_active", membership_state]
    actions = ["invitation_resend_action"]

    # Read-only here: roles change on the structure's page (journaled) or by its coordinator.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Renvoyer l'invitation")
    def invitation_resend_action(self, request, queryset):
        sent = 0
        for membership in queryset.select_related("user"):
            try:
                if invitation_resend(
                    membership=membership,
                    by=request.user,
                    request=request,
                    detail="invitation renvoyée par la plateforme",
                ):
                    sent += 1
            except ValidationError as error:
                self.message_user(request, f"{membership.user} : {error.messages[0]}", "warning")
        self.message_user(request, f"Invitations renvoyées : {sent}.")


class OperatorAddForm(forms.ModelForm):
    """The platform's "add operator": the structure and its first coordinator, who receives the
    link to choose a password (the same service as `manage.py operator_create`)."""

    coordinator_email = forms.EmailField(
        label="adresse électronique de la coordination",
        help_text="Cette personne reçoit par courriel le lien pour choisir son mot de passe.",
    )
    coordinator_first_name = forms.CharField(label="prénom", required=False, max_length=150)
    coordinator_last_name = forms.CharField(label="nom", required=False, max_length=150)

    class Meta:
        model = Operator
        fields = ["name", "slug"]

    def _post_clean(self):
        # The service's checks, not the model form's: one list of messages for both entries.
        if self.errors:
            return
        try:
            operator_create_check(
                name=self.cleaned_data["name"],
                slug=self.cleaned_data["slug"],
                coordinator_email=self.cleaned_data["coordinator_email"],
            )
        except ValidationError as error:
            self.add_error(None, error)


def time_zone_choices() -> list[tuple[str, str]]:
    """The zones of the time-zone database (IANA), by name."""
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class OperatorChangeForm(forms.ModelForm):
    """A structure's settings as the platform edits them: the time zone is chosen from the
    time-zone database, never typed (« Europe/paris » would break every local time)."""

    time_zone = forms.ChoiceField(
        label="fuseau horaire",
        choices=time_zone_choices,
        error_messages={
            "invalid_choice": (
                "« %(value)s » n'est pas un fuseau horaire connu : choisissez-en un dans la "
                "liste (par exemple Europe/Paris)."
            ),
            "required": "Choisissez le fuseau horaire de la structure.",
        },
    )

    class Meta:
        model = Operator
        # Every field, as the admin's default form: its fieldsets are read from this form.
        fields = "__all__"  # noqa: DJ007


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    form = OperatorChangeForm
    list_display = ["name", "slug", "phone", "is_demo"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = OperatorAddForm
            kwargs["fields"] = [
                "name",
                "slug",
                "coordinator_email",
                "coordinator_first_name",
                "coordinator_last_name",
            ]
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": self.get_form(request).base_fields.keys()})]
        return super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        created = operator_create(
            name=data["name"],
            slug=data["slug"],
            coordinator_email=data["coordinator_email"],
            coordinator_first_name=data["coordinator_first_name"],
            coordinator_last_name=data["coordinator_last_name"],
            created_by=request.user,
        )
        # The admin logs and links the object it holds: make it the one the service created.
        for field in Operator._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def save_formset(self, request, form, formset, change):
        """The platform staff's changes to a structure's team are logged like the coordinator's."""
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        removed = [
            (f.instance.pk, f.instance.operator_id) for f in formset.deleted_forms if f.instance.pk
        ]
        for membership_form in formset.forms:
            # Platform staff giving access to an invitation decide for it (their own call).
            if membership_form.instance.is_active:
                membership_form.instance.awaiting_acceptance = False
        super().save_formset(request, form, formset, change)
        for membership in formset.new_objects:
            record(
                request,
                Action.MEMBERSHIP_CREATED,
                membership,
                detail=membership_detail(membership),
            )
        for membership, fields in formset.changed_objects:
            ended = "is_active" in fields and not membership.is_active
            action = Action.MEMBERSHIP_ENDED if ended else Action.MEMBERSHIP_CHANGED
            record(request, action, membership, detail=membership_detail(membership))
        for pk, operator_id in removed:
            record(
                request,
                Action.MEMBERSHIP_ENDED,
                operator=Operator(pk=operator_id),
                target_type="membership",
                target_id=pk,
                detail="rôle supprimé par la plateforme",
            )
