"""A `requests` session with a cookie jar against the APIC simulator, as the APIC's REST users
(Ansible's aci modules, cobra, scripts) drive it: aaaLogin sets `APIC-cookie`, the jar replays
it on class and object queries and writes, aaaRefresh replaces it, aaaLogout ends it; then a
hundred log-ins in a row, each token whatever characters it holds, used from the jar.

Environment: ACI_URL, ACI_USER, ACI_PASSWORD. Prints one line per step; any failure raises.
"""
import os

import requests

from conformance import run, step

URL = os.environ["ACI_URL"]
USER = os.environ["ACI_USER"]
PASSWORD = os.environ["ACI_PASSWORD"]
LOGINS = int(os.environ.get("ACI_LOGINS", "100"))



def login(session):
    answer = session.post(f"{URL}/api/aaaLogin.json", json={"aaaUser": {"attributes": {"name": USER, "pwd": PASSWORD}}})
    assert answer.status_code == 200, answer.text
    token = answer.json()["imdata"][0]["aaaLogin"]["attributes"]["token"]
    assert session.cookies.get("APIC-cookie") == token, (session.cookies.get("APIC-cookie"), token)
    return token


def imdata(answer):
    assert answer.status_code == 200, f"{answer.request.method} {answer.url}: {answer.status_code} {answer.text[:300]}"
    return answer.json()["imdata"]


def main():
    session = requests.Session()
    login(session)
    tenants = imdata(session.get(f"{URL}/api/class/fvTenant.json"))
    assert any(t["fvTenant"]["attributes"]["name"] == "common" for t in tenants), tenants
    common = imdata(session.get(f"{URL}/api/mo/uni/tn-common.json"))
    assert common[0]["fvTenant"]["attributes"]["dn"] == "uni/tn-common", common
    step("login-and-read")

    tenant = {
        "fvTenant": {
            "attributes": {"name": "conformance", "descr": "from requests"},
            "children": [
                {"fvCtx": {"attributes": {"name": "vrf1"}}},
                {
                    "fvBD": {
                        "attributes": {"name": "bd1"},
                        "children": [{"fvRsCtx": {"attributes": {"tnFvCtxName": "vrf1"}}}],
                    }
                },
            ],
        }
    }
    imdata(session.post(f"{URL}/api/mo/uni.json", json=tenant))
    subtree = imdata(
        session.get(
            f"{URL}/api/node/mo/uni/tn-conformance.json",
            params={"query-target": "subtree", "target-subtree-class": "fvBD"},
        )
    )
    assert [m["fvBD"]["attributes"]["name"] for m in subtree] == ["bd1"], subtree
    filtered = imdata(
        session.get(f"{URL}/api/node/class/fvBD.json", params={"query-target-filter": 'eq(fvBD.name,"bd1")'})
    )
    assert len(filtered) == 1 and filtered[0]["fvBD"]["attributes"]["dn"] == "uni/tn-conformance/BD-bd1", filtered
    children = imdata(
        session.get(f"{URL}/api/mo/uni/tn-conformance.json", params={"rsp-subtree": "children"})
    )
    assert {list(c)[0] for c in children[0]["fvTenant"]["children"]} == {"fvCtx", "fvBD"}, children
    step("class-and-object-queries")

    before = session.cookies.get("APIC-cookie")
    refreshed = imdata(session.get(f"{URL}/api/aaaRefresh.json"))
    token = refreshed[0]["aaaLogin"]["attributes"]["token"]
    assert session.cookies.get("APIC-cookie") == token and token != before, (token, before)
    imdata(session.get(f"{URL}/api/mo/uni/tn-conformance.json"))
    step("refresh")

    deleted = session.delete(f"{URL}/api/mo/uni/tn-conformance.json")
    assert deleted.status_code == 200, deleted.text
    assert imdata(session.get(f"{URL}/api/mo/uni/tn-conformance.json")) == []
    out = session.post(f"{URL}/api/aaaLogout.json", json={"aaaUser": {"attributes": {"name": USER}}})
    assert out.status_code == 200, out.text
    refused = requests.get(f"{URL}/api/class/fvTenant.json", cookies={"APIC-cookie": token})
    assert refused.status_code == 403, refused.text
    assert session.get(f"{URL}/api/class/fvTenant.json").status_code == 403
    step("logout")

    special = 0
    for _ in range(LOGINS):
        jar = requests.Session()
        token = login(jar)
        if "/" in token or "+" in token:
            special += 1
        imdata(jar.get(f"{URL}/api/class/fvTenant.json", params={"rsp-prop-include": "naming-only"}))
        imdata(jar.get(f"{URL}/api/aaaRefresh.json"))
        imdata(jar.get(f"{URL}/api/mo/uni/tn-common.json"))
        jar.post(f"{URL}/api/aaaLogout.json", json={"aaaUser": {"attributes": {"name": USER}}})
    assert LOGINS < 20 or special > 0, "no token held / or +: the check proved nothing"
    step("logins", f"{LOGINS} log-ins, {special} tokens with / or +")


if __name__ == "__main__":
    run(main)
