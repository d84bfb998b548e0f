"""Registering a person and opening their case, with the duplicate check, and the
family contacts recorded then and later: the person (returnees) and the case
(casework) together."""
