"""Partner dashboard: users log in with their Treddy account (authorization code flow).

This is the integration most web teams write first, and the one Treddy does not support:
Treddy's table marks the authorization code flow "Supported by Treddy: No".
"""

import os

from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, session, url_for

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]

oauth = OAuth(app)
oauth.register(
    "treddy",
    client_id=os.environ["TREDDY_CLIENT_ID"],
    client_secret=os.environ["TREDDY_CLIENT_SECRET"],
    authorize_url="https://auth.treddy.com/oauth/authorize",
    access_token_url="https://auth.treddy.com/oauth/token",
    api_base_url="https://api.treddy.com/v1/",
    client_kwargs={"scope": "deals:read profile"},
)


@app.route("/login")
def login():
    return oauth.treddy.authorize_redirect(url_for("callback", _external=True))


@app.route("/callback")
def callback():
    session["treddy_token"] = oauth.treddy.authorize_access_token()
    return redirect(url_for("deals"))


@app.route("/deals")
def deals():
    resp = oauth.treddy.get("deals", token=session["treddy_token"])
    return {"deals": resp.json()}


if __name__ == "__main__":
    app.run(port=8000)
