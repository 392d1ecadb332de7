"""Hall API: calendar."""
urlpatterns = []
