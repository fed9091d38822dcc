"""Constants imported from other modules of the scanned project are followed."""

from __future__ import annotations

import textwrap
from pathlib import Path

from advisor.engine import ScanOptions, analyze_paths


def write(root: Path, rel: str, code: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(code))


def test_constant_from_sibling_module_even_when_prefilter_skipped_it(tmp_path, monkeypatch):
    # settings.py has no OAuth vocabulary at all, so the prefilter skips it in the main pass
    write(tmp_path, "partner/__init__.py", "")
    write(
        tmp_path,
        "partner/settings.py",
        """
        PARTNER_KEY = "tr_sk_live_4c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"
        AUTH_HOST = "https://auth.treddy.com"
        """,
    )
    write(
        tmp_path,
        "partner/client.py",
        """
        import requests
        from partner.settings import PARTNER_KEY, AUTH_HOST
        from .settings import AUTH_HOST as HOST2

        def token(cid):
            return requests.post(AUTH_HOST + "/oauth/token",
                                 data={"grant_type": "client_credentials", "client_id": cid,
                                       "client_secret": PARTNER_KEY})

        def token2(cid):
            return requests.post(f"{HOST2}/oauth/token", data={"grant_type": "client_credentials"},
                                 auth=(cid, PARTNER_KEY))
        """,
    )
    monkeypatch.chdir(tmp_path)
    result = analyze_paths(["partner"])
    assert [u.token_url for u in result.usages] == ["https://auth.treddy.com/oauth/token"] * 2
    assert [u.client_auth for u in result.usages] == ["body", "basic"]
    assert all(u.secret_source == "literal" for u in result.usages)
    # the literal is located in the module that defines it
    assert {(s.path, s.span.line) for s in result.secrets} == {("partner/settings.py", 2)}
    assert result.usages[0].secret.literal_path == "partner/settings.py"


def test_module_attribute_access_across_modules(tmp_path, monkeypatch):
    write(tmp_path, "conf.py", 'import os\nCLIENT_SECRET = os.environ["TREDDY_SECRET"]\n')
    write(
        tmp_path,
        "main.py",
        """
        import requests
        import conf

        requests.post("https://auth.treddy.com/oauth/token",
                      data={"grant_type": "client_credentials"}, auth=("id", conf.CLIENT_SECRET))
        """,
    )
    monkeypatch.chdir(tmp_path)
    result = analyze_paths(["."])
    assert [u.secret_source for u in result.usages] == ["env"]


def test_project_subclass_of_library_client_defined_in_another_module(tmp_path, monkeypatch):
    write(tmp_path, "pkg/__init__.py", "")
    write(
        tmp_path,
        "pkg/sessions.py",
        """
        from requests_oauthlib import OAuth2Session as BaseSession

        class PartnerSession(BaseSession):
            pass
        """,
    )
    write(
        tmp_path,
        "pkg/flow.py",
        """
        from .sessions import PartnerSession

        def login(cid, callback):
            s = PartnerSession(cid, redirect_uri=callback)
            return s.fetch_token("https://auth.treddy.com/oauth/token",
                                 authorization_response=callback)
        """,
    )
    monkeypatch.chdir(tmp_path)
    result = analyze_paths(["pkg"])
    assert [(u.path, u.library, u.flow) for u in result.usages] == [
        ("pkg/flow.py", "requests-oauthlib", "authorization_code")
    ]


def test_token_request_through_a_private_wrapper_with_a_body_built_in_another_module(
    tmp_path, monkeypatch
):
    write(tmp_path, "lwa/__init__.py", "")
    write(
        tmp_path,
        "lwa/_core.py",
        """
        def build_grantless_data(creds, scope):
            return {"grant_type": "client_credentials", "scope": scope,
                    "client_id": creds.client_id, "client_secret": creds.client_secret}
        """,
    )
    write(
        tmp_path,
        "lwa/client.py",
        """
        import httpx
        from ._core import build_grantless_data

        class TokenClient:
            url = "https://auth.treddy.com/oauth/token"

            def __init__(self, creds):
                self.creds = creds
                self._http = httpx.Client()

            def _request(self, url, data):
                return self._http.post(url, data=data).json()

            def grantless(self, scope):
                return self._request(self.url, data=build_grantless_data(self.creds, scope))
        """,
    )
    monkeypatch.chdir(tmp_path)
    result = analyze_paths(["lwa"])
    assert [
        (u.path, u.span.line, u.library, u.flow, u.client_auth, u.scopes) for u in result.usages
    ] == [("lwa/client.py", 16, "httpx", "client_credentials", "body", None)]
    assert "sent by _request()" in result.usages[0].evidence[-1]


def test_imported_modules_are_forgotten_beyond_a_bound(tmp_path, monkeypatch):
    """A long scan keeps a bounded number of foreign parse trees alive."""
    from advisor.analysis.analyzer import Project

    write(tmp_path, "pkg/__init__.py", "")
    for i in range(6):
        write(tmp_path, f"pkg/conf{i}.py", f'TOKEN_URL = "https://auth.treddy.com/{i}/token"\n')
    lines = ["import requests"]
    for i in range(6):
        lines.append(f"from pkg.conf{i} import TOKEN_URL as U{i}")
    for i in range(6):
        lines.append(
            f'requests.post(U{i}, data={{"grant_type": "client_credentials"}}, auth=("a", "b"))'
        )
    write(tmp_path, "pkg/main.py", "\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Project, "MAX_LOADED", 2)
    result = analyze_paths(["pkg", "pkg/main.py"])
    assert [u.token_url for u in result.usages] == [
        f"https://auth.treddy.com/{i}/token" for i in range(6)
    ]
    project = Project.from_files([tmp_path / "pkg" / f"conf{i}.py" for i in range(6)])
    for i in range(6):
        project._load(f"conf{i}")
        project.trim()
    assert len(project._loaded) <= 2


def test_a_precommit_run_on_one_file_resolves_unchanged_modules_like_a_full_scan(
    tmp_path, monkeypatch
):
    # pre-commit names only the changed file; its constants live in modules it did not name
    write(tmp_path, "src/partner/__init__.py", "")
    write(tmp_path, "src/partner/conf/__init__.py", "")
    write(
        tmp_path,
        "src/partner/conf/settings.py",
        """
        AUTH_HOST = "https://auth.treddy.com"
        PARTNER_KEY = "tr_sk_live_4c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"
        """,
    )
    write(
        tmp_path,
        "src/partner/client.py",
        """
        import requests
        from partner.conf.settings import AUTH_HOST
        from .conf import settings

        def token(cid):
            return requests.post(AUTH_HOST + "/oauth/token",
                                 data={"grant_type": "client_credentials"},
                                 auth=(cid, settings.PARTNER_KEY))
        """,
    )
    write(tmp_path, "tools/helpers.py", "VALUE = 1\n")  # a root of its own, never in the way
    monkeypatch.chdir(tmp_path)
    no_cache = ScanOptions(use_cache=False)  # a changed file: nothing cached to fall back on
    one = analyze_paths(["src/partner/client.py"], no_cache)
    full = analyze_paths(["src", "tools"], no_cache)
    assert [(u.token_url, u.client_auth, u.secret_source) for u in one.usages] == [
        ("https://auth.treddy.com/oauth/token", "basic", "literal")
    ]
    assert [(u.token_url, u.secret_source) for u in one.usages] == [
        (u.token_url, u.secret_source) for u in full.usages
    ]
    assert {(s.path, s.span.line) for s in one.secrets} == {("src/partner/conf/settings.py", 3)}


def test_modules_outside_the_source_roots_are_never_read(tmp_path, monkeypatch):
    # `import requests` must not lead to a file named requests.py elsewhere on the disk
    write(
        tmp_path,
        "app/client.py",
        "import requests\nfrom vendor_pkg import URL\n"
        "requests.post(URL, data={'grant_type': 'client_credentials'})\n",
    )
    write(tmp_path, "elsewhere/vendor_pkg.py", 'URL = "https://auth.treddy.com/oauth/token"\n')
    monkeypatch.chdir(tmp_path)
    result = analyze_paths(["app/client.py"], ScanOptions(use_cache=False))
    assert [u.token_url for u in result.usages] == [None]
