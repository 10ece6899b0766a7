"""``python -m bench.sizes <layer folder> [<another>]``: what a built layer weighs, whole and package by
package, zipped as ``sam package`` zips it and unzipped; given two, the second against the first.

``make build && python -m bench.sizes .aws-sam/build/CourseCommonLayer`` for the deployed (arm64)
layer; ``python -m bench.levers`` prints the benchmark's layer before and after tools/finish_build.py.
"""

import argparse
import zlib
from pathlib import Path

from bench.__main__ import folder_size


def package_of(relative: Path) -> str:
    """The distribution a file of the layer belongs to: its top-level package, module or dist-info."""
    top = relative.parts[0]
    if top == "__pycache__":
        top = relative.name.split(".")[0]
    for suffix in (".dist-info", ".data"):
        if top.endswith(suffix):
            top = top.removesuffix(suffix).rsplit("-", 1)[0].lower().replace("python_dateutil", "dateutil")
    return top.removesuffix(".py").removesuffix("-stubs")


def package_sizes(layer: Path) -> dict[str, tuple[float, float]]:
    """(zipped, unzipped) KB of each package of a layer's python folder (deflate, as sam package)."""
    sizes: dict[str, list[int]] = {}
    for path in layer.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            entry = sizes.setdefault(package_of(path.relative_to(layer)), [0, 0])
            entry[0] += len(compressor.compress(data) + compressor.flush())
            entry[1] += len(data)
    return {name: (zipped / 1024, unzipped / 1024) for name, (zipped, unzipped) in sizes.items()}


def print_sizes(before: Path, after: Path | None = None) -> None:
    """A layer folder (the one holding ``python/``), whole and package by package; with ``after``,
    both side by side (the layer before and after tools/finish_build.py)."""
    layers = {"before": before, "after": after} if after else {"layer": before}
    print("layer, zipped as sam package zips it / unzipped (KB)")
    for name, folder in layers.items():
        zipped, unzipped = folder_size(folder)
        print(f"  {name:<8} {zipped:10,.0f} / {unzipped:10,.0f}  ({folder})")
    old, new = package_sizes(before / "python"), package_sizes((after or before) / "python")
    print("each package, KB zipped / unzipped (each file compressed alone: the zip's own headers left out)")
    for name in sorted(old, key=lambda n: -old[n][0]):
        (zb, ub), (za, ua) = old[name], new.get(name, (0.0, 0.0))
        change = f"  ->  {za:8,.0f} / {ua:8,.0f}" if after else ""
        print(f"  {name:<24} {zb:8,.0f} / {ub:8,.0f}{change}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sizes", description=__doc__.splitlines()[0])
    parser.add_argument("layer", type=Path, help="a built layer's folder, e.g. .aws-sam/build/CourseCommonLayer")
    parser.add_argument("after", type=Path, nargs="?", help="another build of it, to compare")
    args = parser.parse_args(argv)
    print_sizes(args.layer, args.after)


if __name__ == "__main__":
    main()
