"""`make set-image ENV=dev IMAGE=web DIGEST=sha256:...` (or TAG=...): what CI runs for an
image-only release. It writes one line of config/images/<env>.yaml (config/images.py says
why that file exists), then loads the environment: a name it lacks or a malformed reference
is refused and the file is left as it was. Exit 0 written, 2 refused."""

from __future__ import annotations

import argparse
import sys

from config import ConfigError, load_config
from config.images import image_file, set_image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", required=True)
    parser.add_argument("--image", required=True, help="workload, or workload/sidecar")
    reference = parser.add_mutually_exclusive_group(required=True)
    reference.add_argument("--tag")
    reference.add_argument("--digest")
    args = parser.parse_args(argv)
    path = image_file(args.env)
    before = path.read_text(encoding="utf-8") if path.is_file() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(set_image(path, args.image, tag=args.tag, digest=args.digest), encoding="utf-8")
    try:
        load_config(args.env)
    except ConfigError as exc:
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")
        sys.stderr.write(f"{exc}\n{path} left as it was.\n")
        return 2
    print(f"{path.relative_to(path.parents[2])}: {args.image} -> {args.digest or args.tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
