"""Who is asking: the client's address, for rate limits and login lockouts.

X-Forwarded-For is written by whoever sent the request, so it is believed only as far as
the operator says proxies of their own append to it (settings.TRUSTED_PROXY_COUNT). With
the default, 0, the address is the socket's peer (REMOTE_ADDR) and a forged header changes
nothing. With N trusted proxies, the address is the one the outermost of them saw: the Nth
entry from the right.
"""

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return hops[-min(proxies, len(hops))]
