"""The project's URLs plus the baseline of bench/public_throughput.py: a trivial view.

The trivial view is mounted where the public site is (just before its include, after the
back-office prefixes), so that URL resolution costs both the same.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from config.urls import handler403, handler404  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns


@login_not_required
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    *project_urlpatterns[:-1],
    path("bench-trivial/", trivial),
    project_urlpatterns[-1],
]
