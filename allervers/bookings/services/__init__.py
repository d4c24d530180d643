"""Every write of bookings, one idea per module; callers import from the module.

- `contacts.py`: who books (`Contact`) and its checks.
- `appointments.py`: openings (a stop made bookable), booking, moving and cancelling an
  appointment, a partner's usual booking settings.
- `attendance.py`: whether the person came (an appointment's visit made, linked or released; a
  workshop seat's presence).
- `workshops.py`: workshops, registrations and their waiting list.
- `stop_changes.py`: the bookings following a stop cancelled or moved (the planning's stop
  change hook, inside its transaction).
- `topics.py`: the partners offered for each theme on the residents' pages.

Each write is one transaction. The places are counted after locking the stop (appointments) or
the workshop (seats), so concurrent bookings of the last place give exactly one booking. A
refusal is a French `ValidationError` (`refusals.py` holds those shared by several modules) and
saves nothing. Messages go through `notify.after_commit`.
"""
