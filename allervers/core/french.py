"""French words that depend on what they follow or count: plural, elision, greeting. One place
for every message, page and report (« 1 minute », « d'une », never « Bonjour , »)."""

# A word starting with one of these takes « d' », « l' »... (a mute h aside: names rarely
# start with one, and « de Hautmont » stays right).
VOWELS = frozenset("aeiouyàâäéèêëîïôöùûüœæAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ")


def plural(count: int | float | None, one: str, many: str) -> str:
    """French rule: 0 and 1 take the singular (« 0 visite », « 1 minute »), 2 and more the
    plural; an unknown count (None: a hidden figure) the plural, which never tells it."""
    return many if count is None or abs(count) >= 2 else one


def elided(word: str, following: str) -> str:
    """`word` (« de », « le », « que »...) before `following`, elided before a vowel:
    « d'une durée », « d'Avion », « de Barlin »."""
    following = following.strip()
    if word.endswith(("e", "a")) and following[:1] in VOWELS:
        return f"{word[:-1]}'{following}"
    return f"{word} {following}"


def greeting(first_name: str | None) -> str:
    """« Bonjour Fatima, », or « Bonjour, » without a name (never « Bonjour , »)."""
    name = " ".join((first_name or "").split())
    return f"Bonjour {name}," if name else "Bonjour,"
