"""``python -m stagesmith.image ARCHIVE``: dive-style efficiency as JSON (used by the bench).

Errors are one line on stderr with exit 2, like the CLI.
"""

from __future__ import annotations

import argparse
import json
import sys

from stagesmith.errors import StagesmithError
from stagesmith.image.efficiency import analyze
from stagesmith.image.reader import open_image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stagesmith.image")
    parser.add_argument("source")
    parser.add_argument("--platform")
    parser.add_argument("--engine")
    args = parser.parse_args(argv)
    try:
        with open_image(args.source, platform=args.platform, engine=args.engine) as image:
            eff = analyze(image)
            doc = {
                "source_format": image.source_format,
                "reference": image.reference,
                "platform": image.platform,
                "layers": [
                    {
                        "digest": layer.digest,
                        "compression": layer.compression,
                        "compressed_size": layer.compressed_size,
                        "size": layer.size,
                        "created_by": layer.created_by,
                    }
                    for layer in image.layers
                ],
                **eff.to_json(),
            }
    except StagesmithError as exc:
        print(f"stagesmith: error: {exc}", file=sys.stderr)
        return exc.exit_code
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")  # one write: json.dump writes per token
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
