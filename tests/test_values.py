"""Value resolution: what the analyzer follows, and where it must answer 'unknown'."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.analysis.context import classify, is_placeholder
from advisor.analysis.index import build_index
from advisor.analysis.values import (
    B64,
    CallV,
    Config,
    DictV,
    Env,
    Evaluator,
    Param,
    Text,
    Unknown,
    basic_parts,
    form_fields,
)


def value_of(code: str, expr_marker: str = "RESULT"):
    """Evaluate the right-hand side of the last ``RESULT = ...`` assignment in ``code``."""
    module = cst.parse_module(textwrap.dedent(code))
    idx = build_index(module)
    ev = Evaluator(idx)
    target = None
    for scope in idx.scopes.values():
        for b in scope.bindings.get(expr_marker, []):
            target = b.value
    assert target is not None, "no RESULT assignment"
    return ev.eval(target)


def test_module_constant_concatenation_and_fstring():
    v = value_of(
        """
        BASE = "https://auth.treddy.com"
        PATH = "/oauth/token"
        RESULT = f"{BASE}{PATH}?x=" + "1"
        """
    )
    assert isinstance(v, Text) and v.known == "https://auth.treddy.com/oauth/token?x=1"


def test_percent_and_format():
    v = value_of(
        """
        HOST = "auth.treddy.com"
        A = "https://%s/oauth/%s" % (HOST, "token")
        RESULT = "{}|{name}".format(A, name="n")
        """
    )
    assert v.known == "https://auth.treddy.com/oauth/token|n"


def test_env_sources():
    v = value_of('import os\nRESULT = os.environ["TREDDY_CLIENT_SECRET"]')
    assert isinstance(v, Env) and v.name == "TREDDY_CLIENT_SECRET"
    v = value_of('from os import getenv\nRESULT = getenv("S", "")')
    assert isinstance(v, Env) and v.name == "S"
    v = value_of('import os\nRESULT = os.environ.get("S") or "fallback"')
    assert isinstance(v, Env)
    assert classify(v)[0] == "env"


def test_config_sources():
    v = value_of("from django.conf import settings\nRESULT = settings.TREDDY_SECRET")
    assert isinstance(v, Config)
    v = value_of('from flask import current_app\nRESULT = current_app.config["SECRET"]')
    assert isinstance(v, Config)
    v = value_of('import json\nRESULT = json.load(open("c.json"))["client_secret"]')
    assert isinstance(v, Config)


def test_parameter_source_in_function():
    code = """
    def get(secret):
        RESULT = secret
    """
    v = value_of(code)
    assert isinstance(v, Param) and v.name == "secret"
    assert classify(v)[0] == "parameter"


def test_dict_literal_update_and_setitem_in_order():
    v = value_of(
        """
        def f(cid):
            data = {"grant_type": "client_credentials"}
            data["client_id"] = cid
            data.update(scope="deals:read")
            data.update({"audience": "x"})
            RESULT = data
            data["late"] = "after use"
        """
    )
    assert isinstance(v, DictV)
    assert set(v.items) == {"grant_type", "client_id", "scope", "audience"}
    assert isinstance(v.items["client_id"], Param)


def test_dict_call_and_urlencode_fields():
    v = value_of(
        """
        from urllib.parse import urlencode
        RESULT = urlencode(dict(grant_type="client_credentials", scope="a b"))
        """
    )
    fields = form_fields(v)
    assert fields is not None
    assert fields.items["grant_type"].known == "client_credentials"
    assert fields.items["scope"].known == "a b"


def test_urlencoded_string_with_hole():
    v = value_of(
        """
        import os
        S = os.environ["S"]
        RESULT = f"grant_type=client_credentials&client_secret={S}"
        """
    )
    fields = form_fields(v)
    assert isinstance(fields.items["client_secret"], Env)


def test_helper_function_inlined_with_arguments():
    v = value_of(
        """
        import base64
        def _make_auth_headers(client_id, secret):
            token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            return {"Authorization": "Basic " + token}
        RESULT = _make_auth_headers("my-client", "tr_sk_live_9f8e7d6c5b4a3928")
        """
    )
    assert isinstance(v, DictV)
    parts = basic_parts(v.items["Authorization"])
    assert parts is not None
    assert parts[0].known == "my-client"
    assert parts[1].known == "tr_sk_live_9f8e7d6c5b4a3928"


def test_self_attribute_from_init():
    module = cst.parse_module(
        textwrap.dedent(
            """
            import os
            class Client:
                def __init__(self):
                    self.client_secret = os.environ["TREDDY_SECRET"]
                def token(self):
                    return self.client_secret
            """
        )
    )
    idx = build_index(module)
    ev = Evaluator(idx)
    ret = [n for n in _walk(module) if isinstance(n, cst.Return)][0]
    v = ev.eval(ret.value)
    assert isinstance(v, Env) and v.name == "TREDDY_SECRET"


def test_aliased_import_call_is_resolved():
    v = value_of("import requests as r\nRESULT = r.Session()")
    assert isinstance(v, CallV) and v.qualname == "requests.Session"


def test_unknown_is_not_a_guess():
    v = value_of("RESULT = compute_secret()")
    assert classify(v)[0] == "unknown"
    v = value_of("import random\nRESULT = 'a' if random.random() else 'b'")
    assert isinstance(v, Unknown)


def test_b64_of_literal_pair():
    v = value_of('import base64\nRESULT = base64.b64encode(b"id:secret")')
    assert isinstance(v, B64)


def test_self_referencing_assignment_does_not_recurse_forever():
    v = value_of("X = X + 'a'\nRESULT = X")
    assert v is not None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "YOUR_CLIENT_SECRET",
        "<secret>",
        "changeme",
        "xxxx",
        "${SECRET}",
        "your-secret-here",
        "client_secret",
        "{{ secret }}",
    ],
)
def test_placeholders(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["tr_sk_live_9f8e7d6c5b4a3928", "s3cr3t-Very-Long-Value-123"])
def test_not_placeholders(value):
    assert not is_placeholder(value)


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def test_attribute_assigned_in_several_places_is_unknown():
    module = cst.parse_module(
        textwrap.dedent(
            """
            class TokenCache:
                def __init__(self):
                    self._token = None
                def get(self):
                    if self._token is None:
                        self._token = fetch()
                    return self._token
            def use():
                RESULT = f"Bearer {TokenCache().get()}"
            """
        )
    )
    idx = build_index(module)
    ev = Evaluator(idx)
    target = [b.value for sc in idx.scopes.values() for b in sc.bindings.get("RESULT", [])][0]
    v = ev.eval(target)
    assert isinstance(v, Text) and v.known is None


def test_branch_assignments_are_kept_as_alternatives():
    module = cst.parse_module(
        textwrap.dedent(
            """
            import requests, httpx
            def make(kind):
                if kind:
                    s = requests.Session()
                else:
                    s = httpx.Client()
                RESULT = s
            def seq():
                s = requests.Session()
                s = httpx.Client()
                RESULT2 = s
            """
        )
    )
    idx = build_index(module)
    ev = Evaluator(idx)
    v = ev.eval([b.value for sc in idx.scopes.values() for b in sc.bindings.get("RESULT", [])][0])
    assert v.qualname == "httpx.Client"
    assert [a.qualname for a in v.alternatives] == ["requests.Session"]
    v2 = ev.eval([b.value for sc in idx.scopes.values() for b in sc.bindings.get("RESULT2", [])][0])
    assert v2.qualname == "httpx.Client" and v2.alternatives == ()


# --- string literals: the shortcut past ast.literal_eval agrees with it ------------------------

_LITERAL_BODY = st.text(alphabet=st.sampled_from(list("ab é'\"\\\nx0{}\r\t")), max_size=12)


@given(
    body=_LITERAL_BODY,
    prefix=st.sampled_from(["", "r", "R", "u", "U", "b", "B", "rb", "bR", "Rb"]),
    quote=st.sampled_from(["'", '"', "'''", '"""']),
)
@settings(max_examples=400, deadline=None)
@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")  # "\d" and co
def test_a_string_literal_has_the_value_python_gives_it(body: str, prefix: str, quote: str) -> None:
    import ast

    from advisor.analysis.values import _string_value

    literal = f"{prefix}{quote}{body}{quote}"
    try:
        node = cst.parse_expression(literal)
        expected = ast.literal_eval(literal)
    except (SyntaxError, ValueError, cst.ParserSyntaxError):
        return  # not a literal at all
    if not isinstance(node, cst.SimpleString):
        return  # e.g. an implicit concatenation made of the quotes in the body
    if isinstance(expected, bytes):
        expected = expected.decode("latin-1")
    assert _string_value(node) == expected


def test_a_none_assigned_on_one_branch_leaves_the_value_of_the_other_path():
    from advisor.analysis.analyzer import analyze_text

    facts = analyze_text(
        textwrap.dedent(
            """
            import requests

            def token(sess, method, cid, secret, code):
                data = {"clientId": cid, "clientSecret": secret, "code": code,
                        "grantType": "authorization_code"}
                params = None
                if method == "GET":
                    params = data
                    data = None
                return sess.request(method, "https://api.example.com/v1.0/oauth2/userAccessToken",
                                    params=params, json=data)
            """
        ),
        "dingtalk.py",
    )
    [u] = facts.usages
    assert u.flow == "authorization_code"
