"""Coordinator's publication tools, under `gestion/publication/` (see config/urls.py).

A namespace of its own ("publication"), apart from "public": the role × URL sweep walks it.
"""

from django.urls import path

from . import backoffice

app_name = "publication"

urlpatterns = [
    path("", backoffice.index, name="index"),
    path("flyer.pdf", backoffice.flyer, name="flyer"),
    path("affiche/<int:site_id>.pdf", backoffice.poster, name="poster"),
    path("reseaux-sociaux.png", backoffice.social_picture, name="social"),
]
