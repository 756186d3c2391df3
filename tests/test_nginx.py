"""docs/deploy.md works as written: its nginx block, run by a real nginx (Debian's package)
on 127.0.0.1 with a self-signed certificate, in front of a real `bites serve`.

Chat, dashboard sign-in, the Teams, Slack and Telegram webhooks and /readyz must reach the
service and answer exactly as they do without the proxy; nothing else may pass. Skips only
when nginx is not installed here (CI installs it, and sets CB_REQUIRE_NGINX=1).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from storage.council_tables import RoleGrant
from storage.tables import Identity, Learner
from tests.support.fake_telegram import TOKEN

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy.md"
HOST = "bites.example.gov.uk"
SECRET = "webhook_secret-1"


def _nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if Path(p).exists()), None
    )
    if found is None:
        if os.environ.get("CB_REQUIRE_NGINX") == "1":
            pytest.fail("nginx is required here (CB_REQUIRE_NGINX=1) but not installed")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def documented_block() -> str:
    """The nginx configuration in docs/deploy.md, exactly as printed there."""
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOY.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "docs/deploy.md should show one nginx block"
    return str(blocks[0])


def local_config(block: str, app_port: int, proxy_port: int, tmp: Path) -> str:
    """The documented block with only its addresses and certificate paths made local."""
    block, upstreams = re.subn(
        r"(upstream contract_bites \{\n)(?:\s*server [^;]+;\n)+",
        rf"\g<1>    server 127.0.0.1:{app_port};\n",
        block,
    )
    block, listens = re.subn(r"listen 443 ssl", f"listen 127.0.0.1:{proxy_port} ssl", block)
    block, certs = re.subn(
        r"(ssl_certificate(?:_key)?)\s+/etc/letsencrypt/live/[^;]+/(fullchain|privkey)\.pem;",
        lambda m: f"{m.group(1)} {tmp / (m.group(2) + '.pem')};",
        block,
    )
    assert (upstreams, listens, certs) == (1, 1, 2), "the documented block changed shape"
    temp = "\n".join(
        f"    {name}_temp_path {tmp / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"daemon off;\nworker_processes 1;\npid {tmp / 'nginx.pid'};\n"
        f"error_log {tmp / 'error.log'} warn;\nevents {{}}\n"
        f"http {{\n    access_log off;\n{temp}\n{block}\n}}\n"
    )


def self_signed(tmp: Path) -> None:
    """A certificate for bites.example.gov.uk, made for this test only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    (tmp / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _wait_until(ready: object, process: subprocess.Popen[bytes], what: str) -> None:
    """Poll `ready()` until it is true; fail if the process dies or a minute passes."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}")
        try:
            if ready():  # type: ignore[operator]
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"{what} did not start within a minute")


@dataclass
class Rig:
    """`bites serve` on `direct`, the documented nginx in front of it on `proxied`."""

    direct: httpx.Client
    proxied: httpx.Client
    database: str


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    nginx = _nginx()
    tmp_path = tmp_path_factory.mktemp("nginx")
    self_signed(tmp_path)
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_telegram"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    processes = [fake]
    try:
        assert fake.stdout is not None
        telegram_url = fake.stdout.readline().decode().strip()
        app_port, proxy_port = _free_port(), _free_port()
        database = f"sqlite:///{tmp_path / 'bites.db'}"
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "CB_HOST": "127.0.0.1",
            "CB_PORT": str(app_port),
            "CB_PUBLIC_URL": f"https://{HOST}",
            "CB_SCHEDULER": "false",
            "CB_WEBCHAT": "true",
            "CB_DASHBOARD_PACKS_DIR": str(tmp_path / "packs"),
            "CB_LOG_LEVEL": "WARNING",
            "CB_TEAMS_APP_ID": "00000000-0000-4000-8000-00000000b0b0",
            "CB_TEAMS_APP_PASSWORD": "teams-secret",
            "CB_SLACK_SIGNING_SECRET": "slack-signing-secret",
            "CB_SLACK_BOT_TOKEN": "xoxb-1-test",
            "CB_SLACK_API_URL": f"http://127.0.0.1:{_free_port()}/api/",
            "CB_TELEGRAM_TOKEN": TOKEN,
            "CB_TELEGRAM_SECRET_TOKEN": SECRET,
            "CB_TELEGRAM_API_URL": telegram_url,
        }
        bites = [sys.executable, "-c", "from app.cli import main; main()", "serve"]
        serve = subprocess.Popen(bites, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL)
        processes.append(serve)
        direct = httpx.Client(base_url=f"http://127.0.0.1:{app_port}", timeout=30)
        _wait_until(lambda: direct.get("/readyz").status_code == 200, serve, "bites serve")
        conf = tmp_path / "nginx.conf"
        conf.write_text(local_config(documented_block(), app_port, proxy_port, tmp_path))
        proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path)])
        processes.append(proxy)
        proxied = httpx.Client(
            base_url=f"https://127.0.0.1:{proxy_port}",
            headers={"Host": HOST},
            verify=False,  # noqa: S501 - the test's own self-signed certificate
            timeout=30,
        )
        _wait_until(lambda: proxied.get("/readyz").status_code == 200, proxy, "nginx")
        yield Rig(direct, proxied, database)
        direct.close()
        proxied.close()
    finally:
        for process in reversed(processes):
            _stop(process)


def _grant_admin(database: str) -> None:
    """Make the web chat's one learner their council's admin (as `bites role grant` would)."""
    engine = create_engine(database)
    with Session(engine) as session, session.begin():
        identity = session.exec(select(Identity).where(Identity.platform == "web")).one()
        learner = session.get(Learner, identity.learner_id)
        assert learner is not None and learner.council_id is not None
        session.add(
            RoleGrant(
                learner_id=learner.id,
                council_id=learner.council_id,
                role="council_admin",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    engine.dispose()


def _say(client: httpx.Client, **body: str) -> list[str]:
    response = client.post("/chat/api/messages", json=body)
    assert response.status_code == 200, response.text
    return [reply["text"] for reply in response.json()["replies"]]


def test_chat_and_dashboard_sign_in_work_through_the_documented_proxy(rig: Rig) -> None:
    chat = rig.proxied.get("/chat")
    assert chat.status_code == 200
    assert "Secure" in chat.headers["set-cookie"]  # the proxy's X-Forwarded-Proto is believed
    assert rig.proxied.get("/chat/static/chat.js").status_code == 200
    assert _say(rig.proxied, text="/start demo")[1] == "You have joined Demo Council."
    assert _say(rig.proxied, choice="time:1230")[0].startswith("All set: your daily bite")
    _grant_admin(rig.database)
    link = _say(rig.proxied, text="/dashboard")[0].split("\n")[-1]
    assert link.startswith(f"https://{HOST}/dashboard/signin?token=")
    path = link.removeprefix(f"https://{HOST}")
    assert rig.proxied.get(path).status_code == 200  # the page with the sign-in button
    token = path.split("token=", 1)[1]
    signed_in = rig.proxied.post("/dashboard/signin", data={"token": token})
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/dashboard")
    assert "Secure" in signed_in.headers["set-cookie"]
    home = rig.proxied.get("/dashboard")
    assert home.status_code == 200
    assert "Sign out" in home.text
    assert rig.proxied.get("/dashboard/heatmap").status_code == 200


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/messages", {"Content-Type": "application/json"}),
        ("/slack/events", {"X-Slack-Signature": "v0=bad", "X-Slack-Request-Timestamp": "1"}),
        ("/telegram/webhook", {"X-Telegram-Bot-Api-Secret-Token": "wrong"}),
    ],
)
def test_webhooks_reach_the_service_unchanged(rig: Rig, path: str, headers: dict[str, str]) -> None:
    """Each webhook refuses an unsigned call itself: the same answer with or without
    the proxy shows the proxy passed it on."""
    direct = rig.direct.post(path, content=b"{}", headers=headers)
    proxied = rig.proxied.post(path, content=b"{}", headers=headers)
    assert direct.status_code in (401, 403)
    assert (proxied.status_code, proxied.content) == (direct.status_code, direct.content)


def test_readyz_passes(rig: Rig) -> None:
    assert rig.proxied.get("/readyz").json() == {"status": "ready"}


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/healthz",
        "/openapi.json",
        "/docs",
        "/",
        "/chatroom",
        "/dashboards",
        "/slack",
        "/slack/other",
        "/telegram/webhook/x",
        "/api/messages/x",
    ],
)
def test_nothing_else_passes(rig: Rig, path: str) -> None:
    blocked = rig.proxied.get(path)
    assert blocked.status_code == 404
    assert "<center>nginx</center>" in blocked.text  # nginx's own answer: never reached us


def test_metrics_exist_inside_the_network(rig: Rig) -> None:
    """The blocked paths are real: the service answers them to a direct caller."""
    assert rig.direct.get("/metrics").status_code == 200
    assert rig.direct.get("/healthz").status_code == 200


def test_the_documented_unit_lets_the_service_write_its_packs_folder() -> None:
    """ProtectSystem=strict makes the file system read-only: the unit must give the
    service the one folder it writes (the dashboard's content packs)."""
    text = DEPLOY.read_text(encoding="utf-8")
    (unit,) = re.findall(r"```ini\n(.*?)```", text, re.S)
    env = re.search(r"cat > /etc/contract-bites.env <<'EOF'\n(.*?)\nEOF", text, re.S)
    assert env is not None
    settings = dict(line.split("=", 1) for line in env.group(1).splitlines())
    assert "ProtectSystem=strict" in unit
    assert "StateDirectory=contract-bites" in unit.splitlines()
    assert settings["CB_DASHBOARD_PACKS_DIR"].startswith("/var/lib/contract-bites/")
