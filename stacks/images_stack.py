"""The images stack: the ECR repositories berth creates for the services' images.

Its own stack, deployed before the ECS stack, so that a first deploy can create the
repositories, CI can push the images, and the services then start from them
(docs/first-deploy.md). The ECS stack names each repository by its deterministic name
(berth/<env>/<name>): no cross-stack reference ties the two.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from cdk_constructs.image_repository import ImageRepository
from cdk_constructs.platform_key import PlatformKey
from cdk_constructs.removal import removal_policy
from config.images import repository_name
from config.models import PlatformConfig
from stacks.base import BerthStack
from stacks.config_paths import pascal
from stacks.props import image_repository_props


class ImagesStack(BerthStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, config=config, description=f"berth {config.name}: ECR repositories", **kwargs)
        removal = removal_policy(config.removal_policy)
        key = PlatformKey(
            self, "Key", alias=f"alias/berth/{config.name}/images", description=f"berth {config.name} images", removal_policy=removal
        )
        for repository in config.ecs.repositories:
            ImageRepository(
                self,
                f"{pascal(repository.name)}Repository",
                props=image_repository_props(repository, name=repository_name(config.name, repository.name)),
                key=key.key,
                removal_policy=removal,
            )
