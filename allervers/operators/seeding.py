"""What a new structure starts with, without onboarding knowing the apps that hold it.

An app that gives a new structure something to start from (the reception's request themes)
registers its seeding function in its `AppConfig.ready()` with `operator_seeder_register`;
`operator_create` calls `operator_seed`, which runs every registered function in its
transaction. So `operators` imports none of the apps above it (docs/architecture.md, "Layers")."""

from collections.abc import Callable

from .models import Operator

Seeder = Callable[..., object]

_seeders: list[Seeder] = []


def operator_seeder_register(seeder: Seeder) -> None:
    """Run `seeder(operator=...)` for every new structure (once, however often `ready()` runs)."""
    if seeder not in _seeders:
        _seeders.append(seeder)


def operator_seed(operator: Operator) -> None:
    """Give a new structure what every registered app seeds, in registration order."""
    for seeder in _seeders:
        seeder(operator=operator)
