"""awxkit's Python API against the AWX simulator: session and token log-in, lists with filters
and paging, launch with extra_vars, job events, stdout, cancel, relaunch, unified jobs, personal
tokens, and every `related` link the objects advertise.

Environment: AWX_URL, AWX_USER, AWX_PASSWORD, SIM_ADMIN_URL (to slow jobs down for the cancel).
Prints one line per step; any failure raises (exit 1).
"""
import json
import os

import requests
from awxkit import api, config, exceptions, utils
from awxkit.api.client import Connection

from conformance import run, step

URL = os.environ["AWX_URL"]
USER = os.environ["AWX_USER"]
PASSWORD = os.environ["AWX_PASSWORD"]
ADMIN = os.environ["SIM_ADMIN_URL"]



def durations(values):
    requests.put(f"{ADMIN}/_sim/durations", json=values, timeout=10).raise_for_status()


def main():
    config.base_url = URL
    config.credentials = utils.PseudoNamespace({"default": {"username": USER, "password": PASSWORD}})
    config.use_sessions = True

    root = api.Api()
    root.load_session()
    assert root.connection.uses_session_cookie and root.connection.session_id, "no session cookie"
    assert root.connection.session_cookie_name == "awx_sessionid", root.connection.session_cookie_name
    v2 = root.get().available_versions.v2.get()
    me = v2.me.get().results[0]
    assert me.username == USER, me
    step("session-login", me.username)

    token = root.get_oauth2_token(description="awxkit conformance")
    token_connection = Connection(URL)
    token_connection.login(token=token)
    tv2 = api.Api(connection=token_connection).get().current_version.get()
    assert tv2.me.get().results[0].username == USER
    tokens = v2.tokens.get(description="awxkit conformance")
    assert tokens.count == 1 and tokens.results[0].token == "************", tokens
    step("token-login")

    ping = v2.job_templates.get(name="lab-ping").results[0]
    launched = [ping.launch({"extra_vars": json.dumps({"n": n})}) for n in range(3)]
    for job in launched:
        job.wait_until_completed(interval=0.2, timeout=60)
        assert job.status == "successful", job
    ids = ",".join(str(j.id) for j in launched)
    first = v2.jobs.get(job_template=ping.id, id__in=ids, page_size=2, order_by="id")
    assert first.count == 3 and len(first.results) == 2 and first.next, first
    second = first.next.get()
    assert [j.id for j in second.results] == [launched[2].id], second
    everything = v2.jobs.get(job_template=ping.id, id__in=ids, page_size=2, all_pages=True)
    assert sorted(j.id for j in everything.results) == sorted(j.id for j in launched), everything
    by_status = v2.jobs.get(status="successful", launch_type="manual", id__in=ids)
    assert by_status.count == 3, by_status
    assert v2.jobs.get(status="failed", id__in=ids).count == 0
    newest = v2.jobs.get(job_template=ping.id, order_by="-id", page_size=1).results[0]
    assert newest.id == launched[2].id, newest
    step("list-filters-paging", f"{first.count} jobs")

    template = v2.job_templates.get(name="vm-create").results[0]
    extra = {"vm_name": "awxkit-vm", "cpu": 2, "memory_gb": 4, "network": "INTRANET_DEV"}
    job = template.launch({"extra_vars": json.dumps(extra)})
    job.wait_until_completed(interval=0.2, timeout=60)
    assert job.is_successful, job.failure_output_details()
    assert json.loads(job.extra_vars)["vm_name"] == "awxkit-vm"
    assert job.artifacts["vm_name"] == "awxkit-vm", job.artifacts
    step("launch-extra-vars", f"job {job.id}")

    events = job.related.job_events.get(order_by="start_line", no_truncate=True, page_size=200)
    kinds = [e.event for e in events.results]
    assert kinds[0] == "playbook_on_start" and kinds[-1] == "playbook_on_stats", kinds
    assert "runner_on_ok" in kinds and "playbook_on_task_start" in kinds, kinds
    stdout = job.result_stdout
    rebuilt = "\n".join(e.stdout for e in events.results if e.end_line > e.start_line)
    assert rebuilt.strip() == stdout.strip(), (rebuilt, stdout)
    later = job.related.job_events.get(start_line__gte=events.results[3].start_line, order_by="start_line")
    assert later.count == events.count - 3, later
    changed = job.related.job_events.get(event="runner_on_ok", changed=True)
    assert changed.count == 1 and changed.results[0].host_name == "localhost", changed
    task = next(e for e in events.results if e.event == "playbook_on_task_start" and e.task != "Gathering Facts")
    children = task.related.children.get()
    assert [c.event for c in children.results] == ["runner_on_ok"], children
    assert task.related.job.get().id == job.id
    step("job-events", f"{events.count} events")

    text = job.connection.get(job.related.stdout, query_parameters={"format": "txt"}).text
    assert "PLAY RECAP" in text and "changed=1" in text, text
    as_json = job.related.stdout.get(format="json")
    assert "PLAY RECAP" in as_json.content, as_json
    step("stdout")

    durations({"awx.running": 30000})
    try:
        slow = ping.launch()
        slow.wait_until_status("running", interval=0.2, timeout=30)
        assert slow.related.cancel.get().can_cancel is True
        slow.cancel()
        slow.wait_until_completed(interval=0.2, timeout=30)
        assert slow.status == "canceled", slow
        assert slow.related.cancel.get().can_cancel is False
        try:
            slow.related.cancel.post()
            raise AssertionError("a finished job was canceled")
        except exceptions.MethodNotAllowed:
            pass
    finally:
        durations({"awx.running": None})
    step("cancel", f"job {slow.id}")

    again = job.relaunch()
    assert again.id != job.id and again.launch_type == "relaunch", again
    again.wait_until_completed(interval=0.2, timeout=60)
    assert again.is_successful and json.loads(again.extra_vars)["vm_name"] == "awxkit-vm", again
    step("relaunch", f"job {again.id}")

    unified = v2.unified_jobs.get(id=again.id)
    assert unified.count == 1 and unified.results[0].type == "job", unified
    assert v2.unified_job_templates.get(name="vm-create").count == 1
    step("unified-jobs")

    crawled = crawl(root.connection, v2, [job, again])
    step("related-links", f"{crawled} links")

    slow.delete()
    try:
        v2.jobs.get(id=slow.id).results[0]
        raise AssertionError("the deleted job is still listed")
    except IndexError:
        pass
    tokens.results[0].delete()
    assert v2.tokens.get(description="awxkit conformance").count == 0
    step("delete")

    # Session writes need the CSRF token, as Django demands; awxkit sends it, a bare client does not.
    bare = requests.Session()
    bare.cookies.update(root.connection.session.cookies)
    refused = bare.post(f"{URL}/api/v2/tokens/", json={"description": "no csrf"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"], refused.text
    root.connection.get("/api/logout/")
    try:
        v2.me.get()
        raise AssertionError("the session outlived its log-out")
    except exceptions.Unauthorized:
        pass
    step("csrf-logout")


def crawl(connection, v2, jobs):
    """GETs every related link of every object the lists and jobs serve: each must answer 200."""
    objects = list(jobs)
    for name in ("me", "users", "organizations", "tokens", "inventory", "projects", "job_templates", "jobs"):
        objects.extend(getattr(v2, name).get(page_size=200).results)
    objects.extend(jobs[0].related.job_events.get(page_size=200).results)
    seen = set()
    for obj in objects:
        for related in obj.json.get("related", {}).values():
            link = getattr(related, "endpoint", related)
            if link in seen:
                continue
            seen.add(link)
            answer = connection.get(link)
            assert answer.status_code == 200, f"{link} answered {answer.status_code}: {answer.text[:200]}"
            options = connection.options(link)
            assert options.status_code == 200 and options.headers.get("Allow"), f"OPTIONS {link}: {options.status_code}"
    return len(seen)


if __name__ == "__main__":
    run(main)
