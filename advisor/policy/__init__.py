"""Treddy's policy: from facts to findings.

Takes in ``FileFacts`` and the rules data (``rules/treddy.toml``, ``rules/catalogue.toml``,
shipped as ``advisor.rules``). ``policy`` loads and validates the policy and the rule catalogue
and turns facts into ``Finding`` objects (``urls`` reads hosts and schemes); ``suppressions``
applies ``# noqa``-style comments and ``baseline`` drops recorded findings. Gives out the findings
that are reported. Knows Treddy, not libraries: it never imports the detectors.
"""
