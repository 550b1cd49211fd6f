"""A `requests` session against the vCenter simulator, calling the vSphere Automation API (`/api`)
as its documentation describes, for the calls this project makes: session log-in (Basic, 201 with
the id), the inventory lists with their filters, VM create / read / power / Tools / guest identity
and networking / CPU and memory changes / delete, the documented errors, and log-out.

Environment: VCENTER_URL, VCENTER_USER, VCENTER_PASSWORD. Prints one line per step; any failure raises.
"""
import os
import time

import requests

from conformance import run, step

URL = os.environ["VCENTER_URL"]
NAME = f"requests-vm-{int(time.time() * 1000)}"
USER = os.environ["VCENTER_USER"]
PASSWORD = os.environ["VCENTER_PASSWORD"]



def expect(answer, status):
    assert answer.status_code == status, f"{answer.request.method} {answer.url}: {answer.status_code} {answer.text[:300]}"
    return answer.json() if answer.content else None


def error_type(answer, status):
    body = expect(answer, status)
    assert body["messages"] and body["messages"][0]["default_message"], body
    return body["error_type"]


def main():
    http = requests.Session()
    assert error_type(http.post(f"{URL}/api/session", auth=(USER, "wrong")), 401) == "UNAUTHENTICATED"
    session_id = expect(http.post(f"{URL}/api/session", auth=(USER, PASSWORD)), 201)
    assert isinstance(session_id, str) and session_id, session_id
    http.headers["vmware-api-session-id"] = session_id
    info = expect(http.get(f"{URL}/api/session"), 200)
    assert info["user"] and info["created_time"] and info["last_accessed_time"], info
    step("session", info["user"])

    datacenter = expect(http.get(f"{URL}/api/vcenter/datacenter"), 200)[0]
    folders = expect(http.get(f"{URL}/api/vcenter/folder", params={"type": "VIRTUAL_MACHINE", "names": "Orchestrated"}), 200)
    assert len(folders) == 1 and folders[0]["type"] == "VIRTUAL_MACHINE", folders
    cluster = expect(http.get(f"{URL}/api/vcenter/cluster", params={"names": "CL-DEV-01"}), 200)[0]
    cluster_info = expect(http.get(f"{URL}/api/vcenter/cluster/{cluster['cluster']}"), 200)
    assert cluster_info["name"] == "CL-DEV-01" and cluster_info["resource_pool"], cluster_info
    pools = expect(http.get(f"{URL}/api/vcenter/resource-pool", params={"clusters": cluster["cluster"]}), 200)
    assert any(p["resource_pool"] == cluster_info["resource_pool"] for p in pools), pools
    hosts = expect(http.get(f"{URL}/api/vcenter/host", params={"clusters": cluster["cluster"]}), 200)
    assert hosts and all(h["connection_state"] == "CONNECTED" for h in hosts), hosts
    datastore = expect(http.get(f"{URL}/api/vcenter/datastore", params={"names": "DS-DEV-01"}), 200)[0]
    ds_info = expect(http.get(f"{URL}/api/vcenter/datastore/{datastore['datastore']}"), 200)
    assert ds_info["name"] == "DS-DEV-01" and ds_info["free_space"] > 0, ds_info
    network = expect(http.get(f"{URL}/api/vcenter/network", params={"names": "INTRANET_DEV"}), 200)[0]
    assert network["type"] == "DISTRIBUTED_PORTGROUP", network
    assert error_type(http.get(f"{URL}/api/vcenter/folder", params={"type": "NOPE"}), 400) == "INVALID_ARGUMENT"
    step("inventory", datacenter["name"])

    spec = {
        "name": NAME,
        "guest_OS": "RHEL_9_64",
        "placement": {
            "folder": folders[0]["folder"],
            "resource_pool": cluster_info["resource_pool"],
            "datastore": datastore["datastore"],
        },
        "cpu": {"count": 2},
        "memory": {"size_MiB": 4096},
        "disks": [{"new_vmdk": {"capacity": 20 * 1024**3}}],
        "nics": [{"backing": {"type": "DISTRIBUTED_PORTGROUP", "network": network["network"]}}],
    }
    vm = expect(http.post(f"{URL}/api/vcenter/vm", json=spec), 201)
    listed = expect(http.get(f"{URL}/api/vcenter/vm", params={"names": NAME}), 200)
    assert [v["vm"] for v in listed] == [vm] and listed[0]["power_state"] == "POWERED_OFF", listed
    detail = expect(http.get(f"{URL}/api/vcenter/vm/{vm}"), 200)
    assert detail["name"] == NAME and detail["cpu"]["count"] == 2 and detail["memory"]["size_MiB"] == 4096
    assert expect(http.get(f"{URL}/api/vcenter/vm/{vm}/power"), 200)["state"] == "POWERED_OFF"
    step("vm-create", vm)

    expect(http.post(f"{URL}/api/vcenter/vm/{vm}/power", params={"action": "start"}), 204)
    assert error_type(http.post(f"{URL}/api/vcenter/vm/{vm}/power", params={"action": "start"}), 400) == "ALREADY_IN_DESIRED_STATE"
    assert expect(http.get(f"{URL}/api/vcenter/vm", params={"power_states": "POWERED_ON", "names": NAME}), 200)
    deadline = time.time() + 30
    while True:
        identity = http.get(f"{URL}/api/vcenter/vm/{vm}/guest/identity")
        if identity.status_code == 200 and identity.json().get("ip_address"):
            break
        assert identity.status_code in (200, 503), identity.text
        assert time.time() < deadline, "the guest never reported an address"
        time.sleep(0.2)
    assert expect(http.get(f"{URL}/api/vcenter/vm/{vm}/tools"), 200)["run_state"] == "RUNNING"
    interfaces = expect(http.get(f"{URL}/api/vcenter/vm/{vm}/guest/networking/interfaces"), 200)
    assert interfaces[0]["ip"]["ip_addresses"][0]["ip_address"] == identity.json()["ip_address"], interfaces
    expect(http.get(f"{URL}/api/vcenter/vm/{vm}/guest/networking"), 200)
    expect(http.get(f"{URL}/api/vcenter/vm/{vm}/guest/networking/routes"), 200)
    step("power-and-guest", identity.json()["ip_address"])

    # Without hot-add, hardware changes need the VM off; a running VM cannot be deleted.
    refused = http.patch(f"{URL}/api/vcenter/vm/{vm}/hardware/cpu", json={"count": 4})
    assert error_type(refused, 400) == "NOT_ALLOWED_IN_CURRENT_STATE"
    assert error_type(http.delete(f"{URL}/api/vcenter/vm/{vm}"), 400) == "NOT_ALLOWED_IN_CURRENT_STATE"
    expect(http.post(f"{URL}/api/vcenter/vm/{vm}/power", params={"action": "stop"}), 204)
    expect(http.patch(f"{URL}/api/vcenter/vm/{vm}/hardware/cpu", json={"count": 4}), 204)
    expect(http.patch(f"{URL}/api/vcenter/vm/{vm}/hardware/memory", json={"size_MiB": 8192}), 204)
    assert expect(http.get(f"{URL}/api/vcenter/vm/{vm}/hardware/cpu"), 200)["count"] == 4
    assert expect(http.get(f"{URL}/api/vcenter/vm/{vm}/hardware/memory"), 200)["size_MiB"] == 8192
    step("hardware")

    expect(http.delete(f"{URL}/api/vcenter/vm/{vm}"), 204)
    assert error_type(http.get(f"{URL}/api/vcenter/vm/{vm}"), 404) == "NOT_FOUND"
    step("vm-delete")

    expect(http.delete(f"{URL}/api/session"), 204)
    assert error_type(http.get(f"{URL}/api/vcenter/vm"), 401) == "UNAUTHENTICATED"
    step("logout")


if __name__ == "__main__":
    run(main)
