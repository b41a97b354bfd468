"""The pages through the ASGI client: each is marked top and bottom, reads without JavaScript,
and shows a lower-cleared reader what was withheld but never a SECRET name."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_auth import sign_in
from web_world import SECRET_TASK, SECRET_USE_CASE, World, high_impact_intake, scripted_answers

PAGES = ("/", "/runs", "/findings", "/use-cases", "/queue", "/ledger", "/reports", "/compare")


def _banners(html: str) -> list[str]:
    return re.findall(r'data-marking="(?:top|bottom)">([^<]+)<', html)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_marked_top_and_bottom(client: TestClient, path: str) -> None:
    assert sign_in(client, "root").status_code == 303
    page = client.get(path)
    assert page.status_code == 200, page.text
    top, bottom = _banners(page.text)
    assert top == bottom == page.headers["Clearance-Marking"]
    assert "<script" not in page.text.replace('<script src="/static/htmx.min.js" defer>', "")


@pytest.mark.parametrize("path", PAGES)
def test_an_unclassified_reader_sees_withheld_counts_not_secrets(
    client: TestClient, world: World, path: str
) -> None:
    assert sign_in(client, "ursula").status_code == 303
    page = client.get(path)
    assert page.status_code == 200
    for secret in (SECRET_TASK, SECRET_USE_CASE, world.secret_run.id, world.secret_use_case):
        assert secret not in page.text
    assert _banners(page.text) == ["UNCLASSIFIED", "UNCLASSIFIED"]
    if path in ("/", "/runs", "/use-cases"):
        assert "1 record withheld" in page.text


def test_a_secret_page_carries_a_secret_banner(client: TestClient, world: World) -> None:
    sign_in(client, "eve")
    runs = client.get("/runs")
    assert _banners(runs.text) == ["SECRET", "SECRET"]
    secret = client.get(f"/runs/{world.secret_run.id}")
    assert _banners(secret.text) == ["SECRET", "SECRET"]
    sign_in(client, "ursula")
    hidden = client.get(f"/runs/{world.secret_run.id}")
    missing = client.get(f"/runs/{'f' * len(world.secret_run.id)}")
    assert hidden.status_code == missing.status_code == 404
    assert SECRET_TASK not in hidden.text


def test_run_viewer_filters_samples_and_opens_a_transcript(
    client: TestClient, world: World
) -> None:
    sign_in(client, "eve")
    run = client.get(f"/runs/{world.public_run.id}")
    assert "accuracy" in run.text
    assert "95% CI" in run.text
    assert "Provenance" in run.text
    wrong = client.get(
        f"/runs/{world.public_run.id}", params={"scorer": "numeric", "max_score": "0.5"}
    )
    listed = re.findall(r"/samples/(s\d+)\?epoch=1", wrong.text)
    assert listed == ["s1", "s3", "s5", "s7", "s9", "s11"]
    fragment = client.get(
        f"/runs/{world.public_run.id}", params={"q": "s1"}, headers={"HX-Request": "true"}
    )
    assert fragment.text.lstrip().startswith('<div id="samples">')
    assert "<html" not in fragment.text
    transcript = client.get(f"/runs/{world.public_run.id}/samples/s3")
    assert "What is 3 + 3?" in transcript.text
    assert "The answer is 7." in transcript.text
    assert 'aria-label="user message"' in transcript.text


def test_compare_two_runs_sample_by_sample(client: TestClient, world: World) -> None:
    sign_in(client, "eve")
    page = client.get("/compare", params={"a": world.public_run.id, "b": world.public_run.id})
    assert "0 better" in page.text
    assert "12 paired samples" in page.text


def test_intake_form_validates_and_creates(client: TestClient, world: World) -> None:
    sign_in(client, "rory")
    form = client.get("/use-cases/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    broken = client.post("/use-cases", data={"csrf_token": token.group(1), "name": "Half"})
    assert broken.status_code == 422
    assert "field &#39;agency&#39; is required" in broken.text
    assert 'value="Half"' in broken.text  # what was typed is kept
    intake = high_impact_intake("Form-made triage")
    data = {k: v for k, v in intake.items() if isinstance(v, str)} | {
        "csrf_token": token.group(1),
        "principal_basis": "on",
        "functions": intake["functions"],
        "affected": intake["affected"],
        "human_oversight.level": "human_decides",
        "developers": "rory",
    }
    made = client.post("/use-cases", data=data, follow_redirects=False)
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"])
    assert "Form-made triage" in page.text
    assert "high-impact" in page.text
    assert "Link evidence" in page.text  # rory may update practices
    assert "Grant waiver" not in page.text  # waivers are the CAIO's


def test_what_users_typed_is_escaped_everywhere(client: TestClient, world: World) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    answer = client.post(
        "/api/v1/use-cases",
        json={"intake": high_impact_intake(hostile)},
        headers=world.auth("rory"),
    )
    assert answer.status_code == 201
    ref = answer.json()["item"]["use_case"]["id"]
    sign_in(client, "rory")
    for path in ("/use-cases", f"/use-cases/{ref}", "/", "/queue"):
        page = client.get(path)
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
    assert "&lt;script&gt;alert" in client.get(f"/use-cases/{ref}").text


def test_start_a_run_from_the_runs_page_and_follow_it(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    model = scripted_answers(tmp_path / "answers.jsonl", "starter-cyber", 2)
    sign_in(client, "eve")
    page = client.get("/runs")
    assert "Start a run" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    started = client.post(
        "/runs",
        data={
            "csrf_token": token.group(1),
            "task": "starter-cyber",
            "model": model,
            "limit": "2",
        },
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    job_url = started.headers["location"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(job_url)
        state = re.search(r"data-job-state>([a-z]+)<", job.text)
        assert state
        if state.group(1) not in ("queued", "running"):
            break
        assert 'hx-trigger="every 1s"' in job.text  # htmx polls while it runs
        time.sleep(0.2)
    assert state.group(1) == "completed"
    assert 'hx-trigger="every 1s"' not in job.text
    run_id = re.search(r'href="/runs/([^"]+)"', job.text)
    assert run_id
    assert "starter-cyber" in client.get(f"/runs/{run_id.group(1)}").text


def test_the_practices_table_has_an_act_column_only_for_who_may_act(
    client: TestClient, world: World
) -> None:
    page = f"/use-cases/{world.secret_use_case}"
    act = '<th scope="col">act</th>'
    sign_in(client, "carol")  # the chief AI officer decides; she does not update practices
    shown = client.get(page)
    assert shown.status_code == 200
    assert act not in shown.text
    sign_in(client, "root")
    assert act in client.get(page).text


def test_run_ids_never_break_and_counts_read_in_the_singular(
    client: TestClient, world: World
) -> None:
    sign_in(client, "ursula")
    dashboard = client.get("/").text
    assert "1 runs" not in " ".join(re.sub(r"<[^>]+>", " ", dashboard).split())
    assert "run you may read" in dashboard
    assert f'class="ref" href="/runs/{world.public_run.id}"' in dashboard
