"""The French refusals shared by the bookings' services (appointments, workshops, attendance)."""

STOP_CANCELLED = "Cette permanence du bus est annulée : il n'est plus possible d'y réserver."
WORKSHOP_CANCELLED = "Cet atelier est annulé."
ALREADY_CANCELLED = "Cette réservation est déjà annulée."
