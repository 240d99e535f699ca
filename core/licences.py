"""Under which terms the data and the code may be reused, and how to cite the dataset:
said once, for the downloads and about pages, every profile, the bulk zip and the
downloads a page offers."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    name: str
    short: str
    url: str


DATA = Licence(
    "Creative Commons Attribution 4.0 International",
    "CC BY 4.0",
    "https://creativecommons.org/licenses/by/4.0/",
)
CODE = Licence("MIT License", "MIT", "https://opensource.org/license/mit")

STATEMENT = (
    f"The PolicyHub data is licensed under {DATA.name} ({DATA.short}, {DATA.url}): reuse it "
    "freely, citing PolicyHub. The code is licensed under the "
    f"{CODE.name} ({CODE.short}; the LICENSE file of the source). The texts quoted from laws "
    "and government documents are public records; their sources are named beside them."
)


def dataset_citation(*, updated: str, url: str, accessed: str) -> str:
    """How to cite the dataset as a whole (a profile's citation names one page)."""
    return (
        f"PolicyHub. “PolicyHub: US state and local rules on cooperation with federal "
        f"immigration enforcement” [dataset], version of {updated or '—'}. {DATA.short}. "
        f"{url} (accessed {accessed})."
    )
