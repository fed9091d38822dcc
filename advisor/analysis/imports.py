"""A light import/alias table: local names -> qualified names.

Full qualified-name resolution (libcst's QualifiedNameProvider) costs about 7x a parse; for
recognising ``requests.post`` or ``OAuth2Session`` behind an alias, a table of the module's
imports is enough. Imports anywhere in the file count (function-local imports are common in
integration code), which can only make a name resolve where Python would also resolve it or
leave it unknown.
"""

from __future__ import annotations

import libcst as cst


def dotted_name(node: cst.BaseExpression | cst.ImportFrom | None) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


class ImportTable:
    def __init__(self, module_name: str | None = None) -> None:
        # local name -> qualified name ("S" -> "authlib.integrations.requests_client.OAuth2Session")
        self.names: dict[str, str] = {}
        self.module_name = module_name  # dotted name of the module being analysed, if known
        self.imported_modules: set[str] = set()

    def add(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name)
                if not full:
                    continue
                self.imported_modules.add(full)
                if alias.asname and isinstance(alias.asname.name, cst.Name):
                    self.names[alias.asname.name.value] = full
                else:
                    # "import a.b" binds "a"
                    top = full.split(".")[0]
                    self.names.setdefault(top, top)
            return
        base = self._from_base(node)
        if base is None or isinstance(node.names, cst.ImportStar):
            return
        self.imported_modules.add(base)
        for alias in node.names:
            name = dotted_name(alias.name)
            if not name:
                continue
            local = name
            if alias.asname and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.names[local] = f"{base}.{name}" if base else name

    def _from_base(self, node: cst.ImportFrom) -> str | None:
        mod = dotted_name(node.module) if node.module else ""
        level = len(node.relative)
        if level == 0:
            return mod
        if not self.module_name:
            return "." * level + (mod or "")
        parts = self.module_name.split(".")
        # a module "pkg.sub.mod" at level 1 resolves against "pkg.sub"
        anchor = parts[: len(parts) - level] if len(parts) >= level else []
        if mod:
            anchor = [*anchor, mod]
        return ".".join(anchor)

    def resolve(self, expr: cst.BaseExpression) -> str | None:
        """Qualified name of a Name/Attribute chain whose root is an imported name."""
        if isinstance(expr, cst.Name):
            return self.names.get(expr.value)
        if isinstance(expr, cst.Attribute):
            base = self.resolve(expr.value)
            return f"{base}.{expr.attr.value}" if base else None
        return None

    def imports_any(self, roots: tuple[str, ...]) -> bool:
        return any(m == r or m.startswith(r + ".") for m in self.imported_modules for r in roots)
