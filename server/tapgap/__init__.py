"""tapgap: which parts of a PostgreSQL schema does no pgTAP test check."""

__version__ = "0.1.0"
