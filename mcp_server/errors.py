"""Questions the record cannot answer as asked; the message says what is there instead."""


class NotInRecord(LookupError):
    """An instrument, raw file, project or metric the question names is not in the record."""
