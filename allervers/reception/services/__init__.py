"""Writes of the reception log, one module per idea.

`visits` (record, finish, correct), `persons` (consenting people, linking a visit), `referrals`,
`imports` (a file of past visits), `cyber` (the cyber-atelier's seats), `topics`,
`reception_settings`. Each write is keyword-only, atomic, refuses bad input with a French
`ValidationError` (nothing saved) and records its history line: `VisitChange` for visits,
`ReferralEvent` for referrals. Reads live in `reception/queries.py`.
"""
