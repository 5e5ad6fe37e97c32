"""Pin every image the cluster runs by digest, for the release commit (image.yml, job `release`).

- The code location's image in ``helm/values.yaml`` gets the repository, tag and digest CI built
  (``--code-image REPO:TAG@sha256:...``).
- Every other ``repository``/``tag`` pair in the values (the chart's webserver and daemon) gets
  a ``digest`` line, and every kustomization listed in KUSTOMIZATIONS gets an ``images:`` block
  with one digest per image its manifests name (kustomize replaces ``name:tag`` by
  ``name@digest``).
- Digests are resolved with ``--resolve`` (default: ``docker buildx imagetools inspect``), run
  once per image; tests pass a fake resolver.

Standard library only, so it runs on a bare runner; edits are textual so comments survive. The
deployment tests render the result and validate it against the Kubernetes and chart schemas.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VALUES = Path("deployment/helm/values.yaml")
KUSTOMIZATIONS = [Path("deployment/k8s"), Path("deployment/dagster-hooks")]
CODE_REPOSITORY_SUFFIX = "/lab-pipelines"
DEFAULT_RESOLVE = "docker buildx imagetools inspect --format {{json .Manifest.Digest}}"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
IMAGE_LINE = re.compile(r"^\s*(?:-\s+)?image:\s*[\"']?([^\"'\s#]+)")
RESOURCE_LINE = re.compile(r"^\s+-\s+([^\s#]+)")


def split_image(ref: str) -> tuple[str, str]:
    """``name:tag`` -> (name, tag); a registry port (``host:5000/x``) is not a tag."""
    name, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        return ref, "latest"
    return name, tag


class Resolver:
    def __init__(self, command: str) -> None:
        self.command = shlex.split(command)
        self.cache: dict[str, str] = {}

    def __call__(self, ref: str) -> str:
        if ref not in self.cache:
            out = (
                subprocess.run(
                    [*self.command, ref], capture_output=True, text=True, timeout=120, check=True
                )
                .stdout.strip()
                .strip('"')
            )
            if not DIGEST.match(out):
                raise SystemExit(f"{ref}: the resolver answered {out!r}, not a sha256 digest")
            self.cache[ref] = out
        return self.cache[ref]


def kustomization_images(directory: Path) -> list[str]:
    text = (directory / "kustomization.yaml").read_text(encoding="utf-8")
    if re.search(r"^images:", text, re.M):
        raise SystemExit(f"{directory}: already has an images: block (pin only main's tree)")
    block = re.search(r"^resources:\n((?:\s+-.*\n?)+)", text, re.M)
    resources = [m.group(1) for m in map(RESOURCE_LINE.match, block.group(1).splitlines()) if m]
    images: list[str] = []
    for resource in resources:
        for line in (directory / resource).read_text(encoding="utf-8").splitlines():
            match = IMAGE_LINE.match(line)
            if match and "@" not in match.group(1) and match.group(1) not in images:
                images.append(match.group(1))
    return images


def pin_kustomization(directory: Path, resolve: Resolver, code_image: str | None) -> str:
    lines = ["", "# Pinned for this release by deployment/release/pin_images.py.", "images:"]
    for ref in kustomization_images(directory):
        name, _tag = split_image(ref)
        if name.endswith(CODE_REPOSITORY_SUFFIX) and code_image:
            # The pipeline's own image (the LanceDB snapshot job): the one CI just built.
            built, _, digest = code_image.partition("@")
            lines += [f"  - name: {name}", f"    newName: {split_image(built)[0]}"]
            lines += [f"    digest: {digest}"]
            continue
        lines += [f"  - name: {name}", f"    digest: {resolve(ref)}"]
    return (directory / "kustomization.yaml").read_text(encoding="utf-8") + "\n".join(lines) + "\n"


def pin_values(text: str, code_image: str | None, resolve: Resolver) -> str:
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        repo = re.match(r"^(\s*)repository:\s*[\"']?([^\"'\s#]+)", line)
        tag = (
            re.match(r"^(\s*)tag:\s*[\"']?([^\"'\s#]+)", lines[i + 1])
            if repo and i + 1 < len(lines)
            else None
        )
        if not (repo and tag and tag.group(1) == repo.group(1)):
            out.append(line)
            i += 1
            continue
        indent, repository, current_tag = repo.group(1), repo.group(2), tag.group(2)
        if repository.endswith(CODE_REPOSITORY_SUFFIX) and code_image:
            ref, _, digest = code_image.partition("@")
            repository, current_tag = split_image(ref)
        else:
            digest = resolve(f"{repository}:{current_tag}")
        if not DIGEST.match(digest):
            raise SystemExit(f"{repository}: {digest!r} is not a sha256 digest")
        out += [
            f"{indent}repository: {repository}",
            f'{indent}tag: "{current_tag}"',
            f'{indent}digest: "{digest}"',
        ]
        i += 2
        if i < len(lines) and re.match(rf"^{indent}digest:", lines[i]):
            i += 1  # replaced above
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root to edit")
    parser.add_argument("--code-image", help="REPO:TAG@sha256:... built by CI")
    parser.add_argument("--resolve", default=DEFAULT_RESOLVE, help="command printing a digest")
    parser.add_argument("--dry-run", action="store_true", help="print the edits, write nothing")
    args = parser.parse_args(argv)
    resolve = Resolver(args.resolve)
    edits = {
        args.root / VALUES: pin_values(
            (args.root / VALUES).read_text(encoding="utf-8"), args.code_image, resolve
        )
    }
    for directory in KUSTOMIZATIONS:
        if (args.root / directory / "kustomization.yaml").is_file():
            edits[args.root / directory / "kustomization.yaml"] = pin_kustomization(
                args.root / directory, resolve, args.code_image
            )
    for path, text in edits.items():
        if args.dry_run:
            print(f"--- {path.relative_to(args.root)} (would write)\n{text}")
        else:
            path.write_text(text, encoding="utf-8")
    for ref, digest in sorted(resolve.cache.items()):
        print(f"pinned {ref} -> {digest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
