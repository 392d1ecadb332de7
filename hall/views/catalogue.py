"""Hall pages: catalogue."""
urlpatterns = []
