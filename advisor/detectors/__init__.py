"""Detectors: library knowledge that turns a parsed module into facts.

Each detector module exposes ``detect(ctx: ModuleContext) -> None`` and appends facts to
``ctx.facts``. Detectors know libraries, never Treddy's policy.
"""
