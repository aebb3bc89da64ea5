"""Where images come from, and the image file a release writes (config/images.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config import ConfigError, load_config
from config.images import apply_image_file, set_image
from config.loader import ENVIRONMENTS_DIR
from tests.config.test_service_validation import _problems
from tools import images as images_tool

DIGEST = "sha256:" + "ab" * 32


def _dev() -> dict:
    return yaml.safe_load((ENVIRONMENTS_DIR / "dev.yaml").read_text())


def test_an_image_comes_from_exactly_one_source_by_one_reference() -> None:
    problems = _problems(
        {
            "ecs.services[web].task.container.image.created_repository": "api",
            "ecs.scheduled_tasks[nightly-report].task.container.image.tag": "1.0",
        }
    )
    assert any(p.startswith("ecs.services[web].task.container.image.repository: set exactly one of 'repository'") for p in problems)
    assert any("a built image is tagged by its content hash" in p for p in problems), problems
    (unknown,) = _problems({"ecs.services[api].task.container.image.created_repository": "nope"})
    assert unknown == "ecs.services[api].task.container.image.created_repository: no repository nope in ecs.repositories (it has: api)"


def test_a_build_needs_its_dockerfile_inside_the_repository() -> None:
    (missing,) = _problems({"ecs.scheduled_tasks[nightly-report].task.container.image.build": {"directory": "images/nope"}})
    assert missing.endswith("no Dockerfile in images/nope (relative to the repository root)")
    (outside,) = _problems({"ecs.scheduled_tasks[nightly-report].task.container.image.build": {"directory": "images/../.."}})
    assert outside.endswith("stays inside the repository: no '..'")


def test_the_image_file_moves_only_the_images_it_names(tmp_path: Path) -> None:
    data = _dev()
    path = tmp_path / "dev.yaml"
    path.write_text(set_image(path, "web", digest=DIGEST) + 'web/otel: {tag: "0.116.0"}\n')
    assert apply_image_file(data, path) == []
    web = next(s for s in data["ecs"]["services"] if s["name"] == "web")
    assert web["task"]["container"]["image"] == {"repository": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/berth/web", "digest": DIGEST}
    assert web["task"]["sidecars"][0]["image"]["tag"] == "0.116.0"
    untouched = _dev()
    for item in (data, untouched):  # everything else is the same
        for service in item["ecs"]["services"]:
            service["task"]["container"].pop("image")
            for sidecar in service["task"].get("sidecars", []):
                sidecar.pop("image")
    assert data == untouched


def test_the_image_file_refuses_what_the_environment_lacks_and_changes_nothing(tmp_path: Path) -> None:
    data = _dev()
    path = tmp_path / "dev.yaml"
    path.write_text('web: {tag: "1.0"}\nweb2: {tag: "1.0"}\nnightly-report: {tag: "1"}\napi: {digest: "sha256:short"}\nworker: {}\n')
    problems = [p.render() for p in apply_image_file(data, path)]
    assert problems[0].startswith("web2: no container of that name in the environment (its containers: api, embeddings, ledger")
    assert "nightly-report: a built image is tagged by its content hash: it takes no tag or digest" in problems
    assert any(p.startswith("api.digest: expected an image digest") for p in problems)
    assert any(p.startswith("worker: give exactly one of {tag: ...} or {digest: ...}") for p in problems)
    assert data == _dev()


def test_set_image_writes_a_line_and_a_refused_one_leaves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    environments = tmp_path / "config" / "environments"
    environments.mkdir(parents=True)
    (environments / "dev.yaml").write_text((ENVIRONMENTS_DIR / "dev.yaml").read_text())
    monkeypatch.setattr("config.loader.ENVIRONMENTS_DIR", environments)
    monkeypatch.setattr(images_tool, "image_file", lambda env: tmp_path / "config" / "images" / f"{env}.yaml")
    assert images_tool.main(["--env", "dev", "--image", "api", "--tag", "3.2.0"]) == 0
    written = tmp_path / "config" / "images" / "dev.yaml"
    assert 'api: {tag: "3.2.0"}' in written.read_text()
    assert load_config("dev").ecs.services[2].task.container.image.tag == "3.2.0"
    before = written.read_text()
    assert images_tool.main(["--env", "dev", "--image", "nope", "--tag", "1"]) == 2
    assert written.read_text() == before
    written.write_text('api: {tag: "-bad"}\n')
    with pytest.raises(ConfigError, match=r"images/dev\.yaml"):
        load_config("dev")
