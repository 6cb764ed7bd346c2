"""Deploy with one file (issue 20 item 4): deploy/compose.yaml, the systemd units and nginx, checked.

No Docker engine runs here: the compose file is linted structurally (services,
dependencies, volumes, every file it mounts or builds from, every ${VARIABLE}
it needs is documented in deploy/compose.env.example, every app variable in
deploy/shequtong.env.example is one the settings read), and the nginx
configuration nginx would load in the container is assembled the way the
image's entrypoint does and checked with a real `nginx -t`. Where a docker
CLI exists, `docker compose config` is run as well.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from django.urls import resolve, reverse

from shequtong.chats import live as chats_live

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
SERVICES = {"nginx", "app", "live", "worker", "migrate", "postgres", "redis", "backup"}
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _interpolations(text: str) -> list[tuple[str, str | None]]:
    """${NAME}, ${NAME:-default}, ${NAME:?error} → (NAME, operator or None)."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"\$\{([A-Z0-9_]+)(:?[-?][^}]*)?\}", text)]


def _example_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*#?\s*([A-Z][A-Z0-9_]+)=", line)
        if m:
            names.add(m.group(1))
    return names


def _settings_reads() -> set[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "shequtong").rglob("*.py"))
    return set(re.findall(r"""(?:env_bool|env_flag|os\.environ\.get|os\.environ\[|getenv)\(\s*["']([A-Z0-9_]+)["']""", text)) | \
        set(re.findall(r"""os\.environ\[["']([A-Z0-9_]+)["']\]""", text))


def test_compose_has_the_whole_platform_and_consistent_dependencies(compose):
    services = compose["services"]
    assert set(services) == SERVICES
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services, (name, dependency)
            assert condition["condition"] in {"service_healthy", "service_completed_successfully", "service_started"}
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], (name, dependency)
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/", "$")):
                assert source in compose["volumes"], (name, source)
    # Only nginx is reachable from outside; the app, the worker and the data stores are not.
    assert [n for n, s in services.items() if s.get("ports")] == ["nginx"]
    app = services["app"]
    # The app runs below nginx and PostgreSQL in priority (docs/operations.md "Load shedding").
    assert app["command"][:6] == ["nice", "-n", "5", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert services["worker"]["command"] == ["python", "manage.py", "worker"]
    assert services["migrate"]["command"][:3] == ["python", "manage.py", "migrate"]
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["postgres"]["image"].startswith("postgres:15")
    # The app's health check asks the liveness URL the app really serves.
    probe = " ".join(app["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/\w+)", probe).group(1)
    assert resolve(path).view_name == "web:healthz"
    # The live process: the same app under gunicorn's ASGI worker, on its own port, probed there.
    live = services["live"]
    assert live["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py", "-k", "asgi", "shequtong.asgi:application"]
    assert live["image"] == app["image"] and live["build"] == app["build"]
    live_port = live["environment"]["GUNICORN_BIND"].rsplit(":", 1)[1]
    assert live_port != app["environment"]["GUNICORN_BIND"].rsplit(":", 1)[1]
    live_probe = re.search(r"http://127\.0\.0\.1:(\d+)(/\w+)", " ".join(live["healthcheck"]["test"]))
    assert live_probe.group(1) == live_port and resolve(live_probe.group(2)).view_name == "web:healthz"
    assert live["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert live["depends_on"]["redis"]["condition"] == "service_healthy"  # streams relay Redis pub/sub
    assert services["nginx"]["depends_on"]["live"]["condition"] == "service_healthy"
    assert services["nginx"]["environment"]["LIVE_UPSTREAM"] == f"live:{live_port}"
    # Pages rendered by the WSGI app offer the streams only because the live process serves them.
    assert services["app"]["environment"]["LIVE_PROCESS"] == "1"
    # The same settings for every process made from the app image (merged from x-app).
    for name in ("app", "live", "worker", "migrate", "backup"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://shequtong:") and env["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["env_file"][0]["path"] == "shequtong.env"
    # gunicorn's multi-process metrics need the directory the image names, on a tmpfs.
    assert any(t.startswith("/run/shequtong/prometheus") for t in app["tmpfs"])
    assert "PROMETHEUS_MULTIPROC_DIR=/run/shequtong/prometheus" in (DEPLOY / "Dockerfile").read_text()


def test_every_file_compose_and_the_dockerfile_use_exists(compose):
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), (name, source)
        build = service.get("build")
        if build:
            context = (DEPLOY / build["context"]).resolve()
            assert context == ROOT and (context / build["dockerfile"]).is_file()
        command = service.get("command") or []
        for arg in command:
            if arg.startswith("deploy/"):
                assert (ROOT / arg).is_file(), (name, arg)
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for line in dockerfile.splitlines():
        m = re.match(r"^COPY (?!--from)(.+) \S+$", line)
        if m:
            for source in m.group(1).split():
                assert (ROOT / source).exists(), source
    assert "scripts/build_assets.py" in dockerfile and (ROOT / "scripts" / "build_assets.py").is_file()


def test_every_variable_is_documented_and_every_documented_variable_is_read(compose):
    compose_vars = {name for name, _ in _interpolations(COMPOSE.read_text(encoding="utf-8"))}
    documented = _example_names(DEPLOY / "compose.env.example")
    assert compose_vars <= documented, compose_vars - documented
    # A variable compose cannot do without fails loudly (${NAME:?…}) instead of running empty.
    required = {name for name, op in _interpolations(COMPOSE.read_text(encoding="utf-8")) if op and op.startswith(":?")}
    assert {"POSTGRES_PASSWORD", "METRICS_TOKEN"} <= required
    # The app's environment file names only settings that exist, and all the production secrets.
    reads = _settings_reads()
    app_vars = _example_names(DEPLOY / "shequtong.env.example")
    assert app_vars - reads == set()
    assert {"DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "AUDIT_CHAIN_KEY",
            "DJANGO_ALLOWED_HOSTS"} <= app_vars
    env_keys = set()
    for service in compose["services"].values():
        env_keys |= set((service.get("environment") or {}).keys())
    nginx_only = {"LISTEN", "UPSTREAM", "LIVE_UPSTREAM", "MAX_CONNS", "BUSY_ROOT", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD",
                  "GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS"}
    assert env_keys - nginx_only <= reads, env_keys - nginx_only - reads
    gunicorn = (DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8")
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS"):
        assert name in gunicorn


def _self_signed(directory: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sqt.test")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                              serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()))


def _envsubst(text: str, values: dict[str, str]) -> str:
    """What the nginx image's entrypoint does: replace ${NAME} of defined variables, leave nginx's $vars."""
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run installs nginx-light)")
def test_nginx_accepts_the_configuration_compose_assembles(compose, tmp_path):
    """conf.d as in the container: 00-tls.conf, default.conf (port 80), shequtong.conf (rendered template)."""
    nginx = compose["services"]["nginx"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in nginx["volumes"]}
    env = {k: str(v) for k, v in nginx["environment"].items()}
    env["MAX_CONNS"] = _envsubst(env["MAX_CONNS"], {}).replace("${NGINX_MAX_CONNS:-24}", "24")
    # nginx resolves upstream host names when it loads; "app" exists only in compose's network.
    assert env["UPSTREAM"] == "app:8000" and env["LIVE_UPSTREAM"] == "live:8001"
    env["UPSTREAM"] = "127.0.0.1:8000"
    env["LIVE_UPSTREAM"] = "127.0.0.1:8001"
    tls = tmp_path / "tls"
    tls.mkdir()
    _self_signed(tls)
    busy = tmp_path / "busy"
    busy.mkdir()
    for target, source in mounts.items():
        if target.startswith(env["BUSY_ROOT"]):
            shutil.copy(DEPLOY / source, busy / Path(target).name)
    env["BUSY_ROOT"] = str(busy)
    confd = tmp_path / "conf.d"
    confd.mkdir()
    for target, source in mounts.items():
        if target.startswith("/etc/nginx/conf.d/"):
            text = (DEPLOY / source).read_text(encoding="utf-8").replace("/etc/nginx/tls/", f"{tls}/")
            (confd / Path(target).name).write_text(text)
        elif target.startswith("/etc/nginx/templates/"):
            rendered = _envsubst((DEPLOY / source).read_text(encoding="utf-8"), env)
            assert not [line for line in rendered.splitlines() if "${" in line and not line.lstrip().startswith("#")]
            (confd / Path(target).name.removesuffix(".template")).write_text(rendered)
    assert sorted(p.name for p in confd.iterdir()) == ["00-tls.conf", "default.conf", "shequtong.conf"]
    (tmp_path / "logs").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text("\n".join([
        f"pid {tmp_path}/nginx.pid;", f"error_log {tmp_path}/logs/error.log warn;",
        "events { worker_connections 64; }",
        "http {", "  default_type application/octet-stream;", f"  access_log {tmp_path}/logs/access.log;",
        f"  include {confd}/*.conf;", "}"]))
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)],  # noqa: S603
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    server = (confd / "shequtong.conf").read_text()
    assert "listen 443 ssl backlog=4096;" in server
    assert "limit_conn shequtong_app 24;" in server and "X-Request-ID $request_id" in server
    assert re.search(r"location = /metrics \{\s*return 404;", server)
    _assert_streams_go_to_the_live_process(server, live_upstream="127.0.0.1:8001", app_cap="24")
    tls_conf = (confd / "00-tls.conf").read_text()
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in tls_conf and "TLSv1 " not in tls_conf


STREAM_URLS = {"chats:stream": [1], "observe:feed_stream": [], "cityops:wall_stream": []}


def _locations(server: str) -> list[tuple[str, str, str]]:
    """(modifier, pattern, body) of each location block of the rendered server block."""
    return [(m.group(1) or "", m.group(2), m.group(3))
            for m in re.finditer(r"^    location\s+(=|~)?\s*(\S+)\s*\{(.*?)^    \}", server, re.M | re.S)]


def _location_for(server: str, path: str) -> tuple[str, str, str]:
    """The location nginx picks for a path: exact, then the first matching regex, else the prefix."""
    locations = _locations(server)
    for location in locations:
        if location[0] == "=" and location[1] == path:
            return location
    for location in locations:
        if location[0] == "~" and re.search(location[1], path):
            return location
    return next(loc for loc in locations if loc[0] == "" and path.startswith(loc[1]))


def _directives(body: str, name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^\s*{name}\s+([^;]*);", body, re.M)]


def _assert_streams_go_to_the_live_process(server: str, *, live_upstream: str, app_cap: str) -> None:
    """Each stream URL (from Django's resolver, so a renamed URL fails here) goes to the live upstream,
    unbuffered, with a read timeout above the stream's life and its own connection caps."""
    upstream = re.search(r"upstream shequtong_live \{\s*server ([^;]+);", server)
    assert upstream is not None and upstream.group(1) == live_upstream
    page = _location_for(server, "/")
    assert _directives(page[2], "proxy_pass") == ["http://shequtong"]
    for name, args in STREAM_URLS.items():
        path = reverse(name, args=args)
        modifier, pattern, body = _location_for(server, path)
        assert modifier == "~", (path, pattern)
        assert _directives(body, "proxy_pass") == ["http://shequtong_live"], path
        assert _directives(body, "proxy_buffering") == ["off"] and _directives(body, "proxy_cache") == ["off"]
        timeout = _directives(body, "proxy_read_timeout")
        assert len(timeout) == 1 and int(timeout[0].removesuffix("s")) > chats_live.STREAM_SECONDS
        # The same request headers as the pages (client address, scheme, queue stamp, request id).
        assert _directives(body, "proxy_set_header") == _directives(page[2], "proxy_set_header")
        # Long-lived: never counted against the app's cap (a location's limit_conn replaces the server's).
        caps = _directives(body, "limit_conn")
        assert caps and not [c for c in caps if c.startswith("shequtong_app")], caps
    # The server-level cap still holds for the pages, and only the stream URLs leave them.
    assert f"limit_conn shequtong_app {app_cap};" in server
    for path in (reverse("chats:detail", args=[1]), reverse("observe:feed"), reverse("cityops:wall_data"), "/chats/1/stream/x/"):
        assert _directives(_location_for(server, path)[2], "proxy_pass") == ["http://shequtong"], path


def test_the_systemd_units_run_the_same_processes():
    units = {}
    for path in sorted((DEPLOY / "systemd").glob("*.service")) + sorted((DEPLOY / "systemd").glob("*.timer")):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment, method-assign]
        parser.read_string(path.read_text(encoding="utf-8"))
        units[path.name] = parser
    assert set(units) == {"shequtong-web.service", "shequtong-live.service", "shequtong-worker.service",
                          "shequtong-backup.service", "shequtong-backup.timer"}
    web, worker, bkp = units["shequtong-web.service"], units["shequtong-worker.service"], units["shequtong-backup.service"]
    live = units["shequtong-live.service"]
    assert web["Service"]["ExecStart"].endswith("gunicorn -c deploy/gunicorn.conf.py shequtong.wsgi")
    assert live["Service"]["ExecStart"].endswith("gunicorn -c deploy/gunicorn.conf.py -k asgi shequtong.asgi:application")
    # Its own runtime directory (stopping one must not remove the other's metrics) and its own port,
    # the one nginx-shequtong.conf renders LIVE_UPSTREAM with; the web process offers the streams.
    assert live["Service"]["RuntimeDirectory"] != web["Service"]["RuntimeDirectory"]
    # Every Environment= line (configparser keeps only the last of repeated keys).
    web_env, live_env = (" ".join(re.findall(r"^Environment=(.*)$", (DEPLOY / "systemd" / name).read_text(), re.M)).split()
                         for name in ("shequtong-web.service", "shequtong-live.service"))
    assert "LIVE_PROCESS=1" in live_env and "LIVE_PROCESS=1" in web_env
    assert f"PROMETHEUS_MULTIPROC_DIR=/run/{live['Service']['RuntimeDirectory']}/prometheus" in live_env
    live_bind = next(v.removeprefix("GUNICORN_BIND=") for v in live_env if v.startswith("GUNICORN_BIND="))
    assert f"GUNICORN_BIND={live_bind}" not in web_env
    assert worker["Service"]["ExecStart"].endswith("python manage.py worker")
    assert "manage.py backup" in bkp["Service"]["ExecStart"] and "--offsite" in bkp["Service"]["ExecStart"]
    for unit in (web, live, worker, bkp):
        service = unit["Service"]
        assert service["User"] == "shequtong" and service["EnvironmentFile"] == "/etc/shequtong/shequtong.env"
        assert service["WorkingDirectory"] == "/opt/shequtong" and service["ProtectSystem"] == "strict"
    assert "PROMETHEUS_MULTIPROC_DIR=/run/shequtong/prometheus" in web_env
    assert web["Service"]["RuntimeDirectory"] == "shequtong"
    assert units["shequtong-backup.timer"]["Timer"]["OnCalendar"]
    nginx = (DEPLOY / "systemd" / "nginx-shequtong.conf").read_text(encoding="utf-8")
    assert f"LIVE_UPSTREAM={live_bind}" in nginx and "${LIVE_UPSTREAM}" in nginx
    for included in re.findall(r"^include /opt/shequtong/(\S+);", nginx, re.M):
        assert (ROOT / included).is_file(), included
    if shutil.which("systemd-analyze"):
        result = subprocess.run(["systemd-analyze", "verify", "--man=no", *map(str, (DEPLOY / "systemd").glob("*.service"))],  # noqa: S603, S607
                                capture_output=True, text=True, check=False)
        assert "Unknown key" not in result.stderr and "unknown section" not in result.stderr.lower(), result.stderr


def test_gunicorn_configuration_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))
    namespace: dict = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8"), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102 - our own file
    assert namespace["worker_class"] == "gthread" and namespace["workers"] == 3 and namespace["threads"] == 4
    (tmp_path / "prom").mkdir()
    (tmp_path / "prom" / "counter_1.db").write_bytes(b"old")
    namespace["on_starting"](None)
    assert list((tmp_path / "prom").iterdir()) == []
    assert "control_socket" not in namespace  # gunicorn's default outside systemd
    monkeypatch.setenv("RUNTIME_DIRECTORY", "/run/shequtong-live")
    namespace = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8"), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102 - our own file
    # Under systemd the web and the live process (same user, same HOME) each get their own control socket.
    assert namespace["control_socket"] == "/run/shequtong-live/gunicorn.ctl"
    monkeypatch.delenv("RUNTIME_DIRECTORY")
    # The web process (WSGI) and the live process (gunicorn's own ASGI worker), as compose and systemd run them.
    for app in (["shequtong.wsgi"], ["-k", "asgi", "shequtong.asgi:application"]):
        gunicorn = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--check-config", "-c", str(DEPLOY / "gunicorn.conf.py"),
                    *app]
        result = subprocess.run(gunicorn, cwd=ROOT, capture_output=True, text=True, check=False,  # noqa: S603
                                env={**os.environ, "DJANGO_DEBUG": "1", "SHEQUTONG_NO_DOTENV": "1",
                                     "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"), "GUNICORN_THREADS": "1"})
        assert result.returncode == 0, result.stdout + result.stderr
    from gunicorn.workers import SUPPORTED_WORKERS

    assert SUPPORTED_WORKERS["asgi"].endswith("ASGIWorker")


def _compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    result = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, check=False)  # noqa: S603, S607
    return result.returncode == 0


@pytest.mark.skipif(not _compose_available(), reason="no docker compose here: the structural checks above stand in")
def test_docker_compose_config():
    if not (DEPLOY / "shequtong.env").exists():
        pytest.skip("deploy/shequtong.env not created (copy deploy/shequtong.env.example)")
    env = {**os.environ, "POSTGRES_PASSWORD": "x", "METRICS_TOKEN": "y"}
    result = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],  # noqa: S603, S607
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
