"""Insecure-transport overrides set in code (``OAUTHLIB_INSECURE_TRANSPORT`` and friends).

oauthlib accepts any non-empty value, including "0" and "false", so setting the variable at
all disables its HTTPS check.
"""

from __future__ import annotations

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import CallV, DictV, Ref, known_str
from advisor.model import TransportFact

OVERRIDES = ("OAUTHLIB_INSECURE_TRANSPORT", "AUTHLIB_INSECURE_TRANSPORT")
SETTERS = {"os.putenv", "os.environ.setdefault", "os.environ.update", "os.environ.__setitem__"}


def detect(ctx: ModuleContext) -> None:
    if not any(o in ctx.text for o in OVERRIDES) and not any(
        _names_override(s) for s in ctx.index.strings
    ):
        return
    for scope in ctx.index.scopes.values():
        for muts in scope.mutations.values():
            for m in muts:
                if (m.root != "os" or m.path != ("environ",)) and not (
                    m.root == "environ"
                    and ctx.imports.names.get("environ") == "os.environ"
                    and m.path == ()
                ):
                    continue
                if m.kind == "setitem":
                    name = known_str(ctx.value(m.key))
                    if name in OVERRIDES and not _is_empty(ctx, m.value):
                        _fact(ctx, m.value, name)
                elif m.kind in ("update", "setdefault") and isinstance(m.value, cst.Call):
                    for name in _names_in_update(ctx, m.value):
                        _fact(ctx, m.value, name)
    for call in ctx.index.calls:
        v = ctx.value(call.func)
        q = v.qualname if isinstance(v, Ref) else None
        if (
            q in ("os.putenv",)
            or (q and q.endswith("monkeypatch.setenv"))
            or (isinstance(call.func, cst.Attribute) and call.func.attr.value == "setenv")
        ) and call.args:
            name = known_str(ctx.value(call.args[0].value))
            if name in OVERRIDES:
                _fact(ctx, call, name)


def _names_override(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.SimpleString) and any(o in node.value for o in OVERRIDES)


def _is_empty(ctx: ModuleContext, value: cst.CSTNode) -> bool:
    return known_str(ctx.value(value)) == ""


def _names_in_update(ctx: ModuleContext, call: cst.Call) -> list[str]:
    out = []
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in OVERRIDES:
            out.append(arg.keyword.value)
        elif arg.keyword is None:
            d = ctx.value(arg.value)
            if isinstance(d, DictV):
                out.extend(k for k in d.items if k in OVERRIDES)
            elif isinstance(d, CallV):
                pass
    if call.args and isinstance(call.func, cst.Attribute) and call.func.attr.value == "setdefault":
        name = known_str(ctx.value(call.args[0].value))
        if name in OVERRIDES:
            out.append(name)
    return out


def _fact(ctx: ModuleContext, node: cst.CSTNode, name: str) -> None:
    ctx.facts.transport.append(
        TransportFact(
            path=ctx.path,
            span=ctx.span(_statement(ctx, node)),
            kind="insecure_transport_override",
            evidence=f"{name} set in code disables the HTTPS check",
            context=ctx.context_name(node),
        )
    )


def _statement(ctx: ModuleContext, node: cst.CSTNode) -> cst.CSTNode:
    cur = node
    while True:
        parent = ctx.index.parent.get(id(cur))
        if parent is None or isinstance(
            parent, (cst.SimpleStatementLine, cst.IndentedBlock, cst.Module)
        ):
            return cur
        cur = parent
