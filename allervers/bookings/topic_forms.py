"""The coordinator's form: which partners answer each request theme in online booking."""

from django import forms


class TopicPartnersForm(forms.Form):
    """One group of partner boxes per active theme."""

    def __init__(self, *args, topics, partners, current: dict[int, set[int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.topics = {f"topic_{topic.pk}": topic for topic in topics}
        self.partners = {str(partner.pk): partner for partner in partners}
        choices = [(str(partner.pk), partner.name) for partner in partners]
        for name, topic in self.topics.items():
            self.fields[name] = forms.MultipleChoiceField(
                label=topic.name,
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=[str(pk) for pk in sorted(current.get(topic.pk, ()))],
                error_messages={"invalid_choice": "Ce partenaire n'existe pas."},
            )

    def mapping(self) -> dict:
        return {
            topic: [self.partners[value] for value in self.cleaned_data[name]]
            for name, topic in self.topics.items()
        }
