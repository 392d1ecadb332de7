"""Hall API: catalogue."""
urlpatterns = []
