"""What bookings do when the planning changes: listen to `planning.signals.stop_changed`.

Filled by the messages work (issue 13 point 6): the people booked on a cancelled or moved stop
are told, once each."""
