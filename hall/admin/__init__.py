"""Admin screens for managers, split by concept. Each ModelAdmin scopes its queryset to the
manager's centres through hall.selectors.centres_for_actor."""
from . import calendar, catalogue, people, queue  # noqa: F401
