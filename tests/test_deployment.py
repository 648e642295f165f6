"""docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so this checks
that they ask for what the code really provides and set only what the code really reads."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands, load_command_class

import contact_hub.settings  # noqa: F401  (records every environment name it reads)
from contact_hub.celery import app as celery_app
from contact_hub.env import ENV_NAMES_READ

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
HUB_SERVICES = ["migrate", "web", "worker", "beat"]


def _service(name: str) -> dict:
    return COMPOSE["services"][name]


def test_the_topology_has_every_production_part():
    assert set(COMPOSE["services"]) >= {"postgres", "redis", "web", "worker", "beat", "coturn"}


@pytest.mark.parametrize("name", HUB_SERVICES)
def test_hub_services_set_only_variables_the_code_reads(name):
    unread = set(_service(name)["environment"]) - ENV_NAMES_READ

    assert not unread, f"{name} sets variables nothing reads: {sorted(unread)}"


@pytest.mark.parametrize("name", HUB_SERVICES)
def test_hub_services_run_on_postgres_and_redis_with_a_secret(name):
    environment = _service(name)["environment"]

    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379")
    assert "SECRET_KEY" in environment


@pytest.mark.parametrize("name", ["migrate", "web"])
def test_management_commands_exist_and_accept_their_arguments(name):
    command = _service(name)["command"]
    assert command[:2] == ["python", "manage.py"]

    instance = load_command_class(get_commands()[command[2]], command[2])
    parser = instance.create_parser("manage.py", command[2])
    parser.parse_args(command[3:])


@pytest.mark.parametrize("name, role", [("worker", "worker"), ("beat", "beat")])
def test_celery_services_start_this_project_app(name, role):
    command = _service(name)["command"]

    assert command[:4] == ["celery", "-A", "contact_hub", role]
    assert celery_app.main == "contact_hub"


def test_every_scheduled_task_is_registered_for_beat():
    celery_app.loader.import_default_modules()

    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks


def test_coturn_uses_the_shared_secret_scheme_and_refuses_private_peers():
    command = _service("coturn")["command"]

    assert "--use-auth-secret" in command
    assert any(arg.startswith("--static-auth-secret=") for arg in command)
    assert "--denied-peer-ip=10.0.0.0-10.255.255.255" in command


def test_the_dockerfile_builds_this_python_and_serves_the_asgi_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]

    assert re.search(r"^FROM python:3\.11", dockerfile, re.M)
    assert ">=3.11" in requires
    for source in re.findall(r"^COPY (\S+) \./", dockerfile, re.M):
        assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    assert '"manage.py", "serve"' in dockerfile
