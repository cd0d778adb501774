"""Domain errors; the web layer turns each into a 4xx answer."""


class DomainError(Exception):
    """Root of every error the domain raises on purpose."""

    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class UnknownReference(DomainError):
    """A product, indication, rule or center id that the catalog does not hold."""

    code = "unknown_reference"


class InvalidCenterFile(DomainError):
    """A centers CSV with at least one bad row; nothing from it may be loaded."""

    code = "invalid_centers_file"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the centers file; nothing was loaded.")
        self.problems = problems
