"""Rate limit of public tracking lookups (一码通): per client address, shared by the page and the API, so
tracking codes cannot be guessed by trying many. Counted in the cache (Redis), like DRF's throttles."""
from rest_framework.throttling import SimpleRateThrottle

TRACKING_LOOKUPS_PER_MINUTE = 30


class TrackingLookupThrottle(SimpleRateThrottle):
    scope = "tracking"
    rate = f"{TRACKING_LOOKUPS_PER_MINUTE}/minute"

    def get_cache_key(self, request, view):
        # By address only: signing in does not buy more guesses. get_ident honours NUM_PROXIES.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def tracking_lookup_allowed(request) -> bool:
    """For pages (plain Django views): count this lookup and say whether it is within the limit."""
    return TrackingLookupThrottle().allow_request(request, None)
