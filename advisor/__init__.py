"""treddy-advisor: OAuth flow advisor and compliance linter for Treddy integrations."""

__version__ = "0.1.0"
