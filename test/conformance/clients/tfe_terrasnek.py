"""terrasnek against the TFE simulator: construction (service discovery) through workspaces,
lock/unlock, variables, a configuration upload, a run applied, its state outputs, and deletion.

Environment: TFE_URL, TFE_TOKEN. Prints one line per step; any failure raises (exit 1).
"""
import io
import json
import os
import tarfile
import tempfile
import time

from terrasnek.api import TFC
from terrasnek.endpoint import TFCEndpoint
from terrasnek.exceptions import TFCHTTPAPIRequestRateLimit, TFCHTTPConflict, TFCHTTPNotFound

from conformance import run, step

URL = os.environ["TFE_URL"]
TOKEN = os.environ["TFE_TOKEN"]
SUFFIX = str(int(time.time() * 1000))



class Patient:
    """terrasnek, waiting out TFE's 30 requests a second as TFE asks its clients to.

    terrasnek raises on 429 instead of retrying; a script that calls a fast TFE in a tight
    sequence meets the limit, on the real service as on the simulator.
    """

    def __init__(self, target):
        self._target = target

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if isinstance(attr, TFCEndpoint):
            return Patient(attr)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            for _ in range(40):
                try:
                    return attr(*args, **kwargs)
                except TFCHTTPAPIRequestRateLimit:
                    time.sleep(0.25)
            raise AssertionError(f"{name} stayed rate limited for 10 s")

        return call


def wait_for(read, done, what, timeout=60):
    deadline = time.time() + timeout
    while True:
        value = read()
        if done(value):
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {json.dumps(value)[:500]}")
        time.sleep(0.2)


def config_tarball(directory):
    """A gzipped tar of one Terraform JSON module whose outputs echo two variables."""
    module = {
        "variable": {"greeting": {"type": "string"}, "size": {"type": "number", "default": 1}},
        "output": {
            "message": {"value": "${var.greeting}"},
            "size": {"value": "${var.size}"},
            "secret": {"value": "${var.greeting}", "sensitive": True},
        },
    }
    data = json.dumps(module).encode()
    path = os.path.join(directory, "config.tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("main.tf.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def main():
    api = Patient(TFC(TOKEN, url=URL, skip_version_check=True))
    step("construct", api.get_url())

    orgs = api.orgs.list()["data"]
    assert any(o["id"] == "lab" for o in orgs), orgs
    org_name = f"conformance-{SUFFIX}"
    created_org = api.orgs.create(
        {"data": {"type": "organizations", "attributes": {"name": org_name, "email": "ops@example.com"}}}
    )
    assert created_org["data"]["id"] == org_name
    assert api.orgs.show(org_name)["data"]["attributes"]["name"] == org_name
    step("organizations", org_name)

    api.set_org(org_name)
    account = api.account.show()["data"]
    assert api.users.show(account["id"])["data"]["attributes"]["username"] == account["attributes"]["username"]
    ws_name = "conformance-ws"
    ws = api.workspaces.create(
        {"data": {"type": "workspaces", "attributes": {"name": ws_name, "auto-apply": False}}}
    )["data"]
    ws_id = ws["id"]
    assert api.workspaces.show(workspace_name=ws_name)["data"]["id"] == ws_id
    assert api.workspaces.show(workspace_id=ws_id)["data"]["attributes"]["name"] == ws_name
    listed = api.workspaces.list(page=1, page_size=20)
    assert [w["id"] for w in listed["data"]] == [ws_id], listed
    assert api.workspaces.list_all()["data"][0]["id"] == ws_id
    updated = api.workspaces.update(
        {"data": {"type": "workspaces", "attributes": {"description": "driven by terrasnek"}}},
        workspace_id=ws_id,
    )
    assert updated["data"]["attributes"]["description"] == "driven by terrasnek"
    step("workspaces", ws_id)

    locked = api.workspaces.lock(ws_id, {"reason": "conformance check"})
    assert locked["data"]["attributes"]["locked"] is True, locked
    try:
        api.workspaces.lock(ws_id, {"reason": "again"})
        raise AssertionError("a second lock was accepted")
    except TFCHTTPConflict:
        pass
    unlocked = api.workspaces.unlock(ws_id)
    assert unlocked["data"]["attributes"]["locked"] is False, unlocked
    api.workspaces.lock(ws_id, {"reason": "for force-unlock"})
    assert api.workspaces.force_unlock(ws_id)["data"]["attributes"]["locked"] is False
    step("lock-unlock")

    var = api.workspace_vars.create(
        ws_id,
        {"data": {"type": "vars", "attributes": {"key": "greeting", "value": "hello", "category": "terraform"}}},
    )["data"]
    secret = api.workspace_vars.create(
        ws_id,
        {
            "data": {
                "type": "vars",
                "attributes": {"key": "size", "value": "3", "category": "terraform", "hcl": True, "sensitive": True},
            }
        },
    )["data"]
    assert secret["attributes"]["value"] is None, secret
    api.workspace_vars.update(
        ws_id, var["id"], {"data": {"type": "vars", "id": var["id"], "attributes": {"value": "hello terrasnek"}}}
    )
    variables = {v["attributes"]["key"]: v["attributes"] for v in api.workspace_vars.list(ws_id)["data"]}
    assert variables["greeting"]["value"] == "hello terrasnek", variables
    assert variables["size"]["value"] is None and variables["size"]["sensitive"] is True, variables
    temporary = api.workspace_vars.create(
        ws_id, {"data": {"type": "vars", "attributes": {"key": "TF_LOG", "value": "", "category": "env"}}}
    )["data"]
    api.workspace_vars.destroy(ws_id, temporary["id"])
    assert len(api.workspace_vars.list(ws_id)["data"]) == 2
    step("variables")

    cv = api.config_versions.create(
        ws_id, {"data": {"type": "configuration-versions", "attributes": {"auto-queue-runs": False}}}
    )["data"]
    upload_url = cv["attributes"]["upload-url"]
    with tempfile.TemporaryDirectory() as directory:
        api.config_versions.upload(config_tarball(directory), upload_url)
    wait_for(
        lambda: api.config_versions.show(cv["id"])["data"]["attributes"]["status"],
        lambda status: status == "uploaded",
        "the configuration version to be uploaded",
    )
    assert any(c["id"] == cv["id"] for c in api.config_versions.list(ws_id)["data"])
    step("configuration-version", cv["id"])

    run = api.runs.create(
        {
            "data": {
                "type": "runs",
                "attributes": {"message": "terrasnek conformance"},
                "relationships": {
                    "workspace": {"data": {"type": "workspaces", "id": ws_id}},
                    "configuration-version": {"data": {"type": "configuration-versions", "id": cv["id"]}},
                },
            }
        }
    )["data"]
    run_id = run["id"]
    planned = wait_for(
        lambda: api.runs.show(run_id)["data"],
        lambda r: r["attributes"]["status"] in ("planned", "errored", "planned_and_finished"),
        "the run to be planned",
    )
    assert planned["attributes"]["status"] == "planned", planned
    assert planned["attributes"]["actions"]["is-confirmable"] is True, planned
    plan_id = planned["relationships"]["plan"]["data"]["id"]
    assert api.plans.show(plan_id)["data"]["attributes"]["status"] == "finished"
    api.runs.apply(run_id, {"comment": "applied by terrasnek"})
    applied = wait_for(
        lambda: api.runs.show(run_id)["data"],
        lambda r: r["attributes"]["status"] in ("applied", "errored"),
        "the run to be applied",
    )
    assert applied["attributes"]["status"] == "applied", applied
    apply_id = applied["relationships"]["apply"]["data"]["id"]
    assert api.applies.show(apply_id)["data"]["attributes"]["status"] == "finished"
    assert any(r["id"] == run_id for r in api.runs.list(ws_id)["data"])
    step("run", run_id)

    current = api.state_versions.get_current(ws_id)["data"]
    outputs = wait_for(
        lambda: api.state_versions.list_outputs(current["id"])["data"],
        lambda o: len(o) == 3,
        "the state version outputs",
    )
    values = {o["attributes"]["name"]: o["attributes"] for o in outputs}
    assert values["message"]["value"] == "hello terrasnek", values
    assert values["size"]["value"] == 3, values
    assert values["secret"]["sensitive"] is True and values["secret"]["value"] is None, values
    secret_output = api.state_version_outputs.show(values_id(outputs, "secret"))["data"]
    assert secret_output["attributes"]["value"] == "hello terrasnek", secret_output
    assert api.state_versions.show(current["id"])["data"]["id"] == current["id"]
    listed_states = api.state_versions.list(
        filters=[
            {"keys": ["workspace", "name"], "value": ws_name},
            {"keys": ["organization", "name"], "value": org_name},
        ]
    )["data"]
    assert [s["id"] for s in listed_states] == [current["id"]], listed_states
    workspace_outputs = api.state_version_outputs.show_current_for_workspace(ws_id)["data"]
    assert {o["attributes"]["name"] for o in workspace_outputs} == {"message", "size", "secret"}
    step("state-version-outputs", current["id"])

    # terrasnek's upload_from_string sends Terraform's native syntax as main.tf.
    hcl = '''
# the greeting, shouted
variable "greeting" {
  type = string
}
locals {
  shout = "${var.greeting}!"
}
output "shout" {
  value = local.shout
}
'''
    cv2 = api.config_versions.create(
        ws_id, {"data": {"type": "configuration-versions", "attributes": {"auto-queue-runs": False}}}
    )["data"]
    api.config_versions.upload_from_string(hcl, cv2["attributes"]["upload-url"])
    wait_for(
        lambda: api.config_versions.show(cv2["id"])["data"]["attributes"]["status"],
        lambda status: status == "uploaded",
        "the native-syntax configuration to be uploaded",
    )
    run2 = api.runs.create(
        {
            "data": {
                "attributes": {"message": "native syntax"},
                "relationships": {
                    "workspace": {"data": {"type": "workspaces", "id": ws_id}},
                    "configuration-version": {"data": {"type": "configuration-versions", "id": cv2["id"]}},
                },
            }
        }
    )["data"]
    wait_for(
        lambda: api.runs.show(run2["id"])["data"]["attributes"]["status"],
        lambda status: status in ("planned", "errored"),
        "the native-syntax run to be planned",
    )
    api.runs.apply(run2["id"], {"comment": "native syntax"})
    done = wait_for(
        lambda: api.runs.show(run2["id"])["data"]["attributes"]["status"],
        lambda status: status in ("applied", "errored"),
        "the native-syntax run to be applied",
    )
    assert done == "applied", done
    shout = api.state_version_outputs.show_current_for_workspace(ws_id)["data"]
    assert [(o["attributes"]["name"], o["attributes"]["value"]) for o in shout] == [("shout", "hello terrasnek!")], shout
    step("native-syntax", run2["id"])

    api.workspaces.destroy(workspace_name=ws_name)
    try:
        api.workspaces.show(workspace_id=ws_id)
        raise AssertionError("the deleted workspace is still there")
    except TFCHTTPNotFound:
        pass
    step("workspace-delete")

    api.orgs.update(org_name, {"data": {"type": "organizations", "attributes": {"email": "infra@example.com"}}})
    assert api.orgs.show(org_name)["data"]["attributes"]["email"] == "infra@example.com"
    api.orgs.destroy(org_name)
    try:
        api.orgs.show(org_name)
        raise AssertionError("the deleted organization is still there")
    except TFCHTTPNotFound:
        pass
    step("organization-delete")


def values_id(outputs, name):
    return next(o["id"] for o in outputs if o["attributes"]["name"] == name)


if __name__ == "__main__":
    run(main)
