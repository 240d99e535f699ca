"""The API's list of jurisdictions: the jurisdictions app's resource with the filters that
need positions (`coded=1`, see `policies.filters.JurisdictionListFilter`), the same filters
as the list page and its CSV."""

from jurisdictions import api
from policies.filters import JurisdictionListFilter


class JurisdictionViewSet(api.JurisdictionViewSet):
    __doc__ = api.JurisdictionViewSet.__doc__
    filterset_class = JurisdictionListFilter
