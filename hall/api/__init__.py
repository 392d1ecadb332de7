"""Hall API, one module per concept; each module exports `urlpatterns`."""
