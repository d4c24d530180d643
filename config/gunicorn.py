"""gunicorn's settings for Allervers: `gunicorn -c config/gunicorn.py config.wsgi --bind ...
--workers 3` (README, docs/deployment.md, "Long work").

- The rules engine (OpenFisca-France, several seconds and a few hundred megabytes) is loaded and
  warmed up once, by the master process before it forks its workers (`on_starting`): every
  worker, including one started to replace a dead one, has it at once and shares its memory.
  Only the web server loads it: `manage.py` commands (migrate, the task worker, the sweeps) never
  estimate rights, so they do not pay for it.
- `timeout`: the longest a request may keep a worker silent before gunicorn replaces it. The
  longest work of a request is an estimate of rights, bounded by `ALLERVERS_SCREENING_SECONDS`
  (10 s by default), or a yearly report's PDF (a few seconds); 60 s leaves room on a loaded
  server while a stuck worker is still replaced within a minute. Keep it above the bound.
"""

import os

timeout = int(os.environ.get("ALLERVERS_GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30


def on_starting(server):
    from allervers.screening import engine

    server.log.info(engine.warm_up())
