"""Words that come from the data files and are shown on pages: marked so the catalogue has them."""


def N_(text: str) -> str:
    """Mark a string for the translation catalogue without translating it here."""
    return text


DATA_WORDS = (
    N_("Large B-cell lymphoma"),
    N_("Follicular lymphoma"),
    N_("Mantle cell lymphoma"),
    N_("Chronic lymphocytic leukemia / small lymphocytic lymphoma"),
    N_("Marginal zone lymphoma"),
    N_("B-cell acute lymphoblastic leukemia"),
    N_("Multiple myeloma"),
    N_("US labels from June 2025"),
    N_("US REMS labels before June 2025"),
    N_("EU summaries of product characteristics"),
)
