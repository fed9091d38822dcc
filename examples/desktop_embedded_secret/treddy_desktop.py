"""Deal viewer for sales laptops, shipped as a single executable (see treddy_desktop.spec).

The client credentials grant with a Basic header is what Treddy supports, but the client secret
is compiled into an application that runs on machines the partner does not control: anyone with
a copy of the executable can extract it.
"""

import tkinter as tk
from tkinter import messagebox, ttk

import requests

TOKEN_URL = "https://auth.treddy.com/oauth/token"
DEALS_URL = "https://api.treddy.com/v1/deals"

CLIENT_ID = "tr_cid_7c41d2e9a0b3f5c8"
CLIENT_SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def fetch_token():
    resp = requests.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "scope": "deals:read"},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()["access_token"]


class DealViewer(tk.Tk):
    def __init__(self):
        super().__init__()
        self.title("Treddy deals")
        self.tree = ttk.Treeview(self, columns=("name", "status"), show="headings")
        self.tree.heading("name", text="Deal")
        self.tree.heading("status", text="Status")
        self.tree.pack(fill="both", expand=True)
        ttk.Button(self, text="Refresh", command=self.load).pack()

    def load(self):
        try:
            token = fetch_token()
            resp = requests.get(
                DEALS_URL, headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
            resp.raise_for_status()
        except requests.RequestException as exc:
            messagebox.showerror("Treddy", str(exc))
            return
        self.tree.delete(*self.tree.get_children())
        for deal in resp.json()["deals"]:
            self.tree.insert("", "end", values=(deal["name"], deal["status"]))


if __name__ == "__main__":
    DealViewer().mainloop()
