"""The last step of every build of the functions, for deploying (``make build``) and for measuring
(``make bench``) alike: what ``sam build`` left, made what Lambda loads and no more.

1. Each layer loses what no function loads at run time (docs/PERFORMANCE.md, "What the layer
   ships"): botocore's data but the five files a DynamoDB client reads, boto3's resource data, and
   any ``tests`` folder. tests/infrastructure/test_artifact.py proves, on the built artifact, that
   every route still answers and that botocore reads exactly the data files kept.
2. Everything is compiled to bytecode for this Python, hash-based and unchecked: Lambda's code is
   read-only, and zipping does not keep the mtimes a timestamp check compares.

``python3.13 tools/finish_build.py <sam build folder>``, with the functions' runtime (template.yaml);
``--bytecode-only`` compiles a folder that is not a build (the benchmark's floor). Standard library
only: it runs wherever ``sam build`` runs.
"""

import argparse
import compileall
import py_compile
import shutil
import sys
from pathlib import Path

# The functions' runtime (template.yaml, Globals; tests/infrastructure/test_artifact.py checks they
# agree): bytecode is only used by the Python that wrote it.
RUNTIME = (3, 13)

# What a DynamoDB client reads of botocore's data (the rest is every other AWS service's model,
# ~15 MB of the layer zipped): the endpoints and partitions, the SDK's default configuration, and
# DynamoDB's service model and endpoint rules of its latest API version (the one botocore picks).
# Not _retry.json: PynamoDB's client retries in botocore's "standard" mode, which does not read it.
BOTOCORE_DATA_FILES = ("endpoints.json", "partitions.json", "sdk-default-configuration.json")
SERVICE = "dynamodb"
SERVICE_FILES = ("service-2", "endpoint-rule-set-1")
# Resource models (boto3.resource); the service only ever makes clients.
BOTO3_DATA = "boto3/data"
TEST_FOLDERS = ("tests", "test")


def latest_api_version(service: Path) -> str:
    """The API version botocore loads when none is asked for: the greatest with a service model."""
    return max(p.name for p in service.iterdir() if p.is_dir() and any(p.glob("service-2.*")))


def slim_botocore_data(data: Path) -> None:
    version = latest_api_version(data / SERVICE)
    keep = {Path(name) for name in BOTOCORE_DATA_FILES}
    for path in (data / SERVICE / version).iterdir():
        if path.name.split(".", 1)[0] in SERVICE_FILES:
            keep.add(path.relative_to(data))
    for path in sorted(data.rglob("*"), reverse=True):  # files before the folders that hold them
        relative = path.relative_to(data)
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif relative not in keep:
            path.unlink()


def slim_layer(layer: Path) -> None:
    """Removes from a layer's ``python`` folder what no function loads (see the module's docstring)."""
    if (layer / "botocore" / "data").is_dir():
        slim_botocore_data(layer / "botocore" / "data")
    if (layer / BOTO3_DATA).is_dir():
        shutil.rmtree(layer / BOTO3_DATA)
    for folder in sorted(p for name in TEST_FOLDERS for p in layer.glob(f"*/**/{name}") if p.is_dir()):
        if folder.exists():
            shutil.rmtree(folder)


def compile_bytecode(folder: Path) -> None:
    if not compileall.compile_dir(
        folder, quiet=1, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    ):
        sys.exit(f"could not compile everything under {folder}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tools/finish_build.py", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="sam build's output folder (.aws-sam/build)")
    parser.add_argument("--bytecode-only", action="store_true", help="compile, remove nothing")
    args = parser.parse_args(argv)
    if sys.version_info[:2] != RUNTIME:
        sys.exit(f"run with python{RUNTIME[0]}.{RUNTIME[1]}, the functions' runtime: bytecode is per Python version")
    if not args.bytecode_only:
        for layer in sorted(args.folder.glob("*/python")):
            slim_layer(layer)
    compile_bytecode(args.folder)


if __name__ == "__main__":
    main()
