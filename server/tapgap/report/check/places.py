"""Where a report's files are for a reader outside the project: CI annotations, code scanning, forge links.

Findings name files relative to the project root. GitHub and GitLab place annotations and alerts by paths
relative to the repository root, so reports read there name files from the repository's root: the nearest
folder at or above the project root that holds ``.git`` (a folder, or a file in a linked work tree or a
submodule), else the project root itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import msgspec

# CI environments that say where the analysed commit's files can be seen on the web: the variables, and the
# URL of the repository's root at that commit built from their values.
WEB_ROOTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"), "{0}/{1}/blob/{2}/"),
    (("CI_PROJECT_URL", "CI_COMMIT_SHA"), "{0}/-/blob/{1}/"),  # GitLab
)


class Places(msgspec.Struct, frozen=True, kw_only=True):
    repository: str  # absolute path of the repository root
    prefix: str = ""  # the project root relative to it, "" or ending in "/"
    web: str | None = None  # URL of the repository's root at the analysed commit, ending in "/"

    def path(self, file: str) -> str:
        """A report's file name (relative to the project root, or absolute) relative to the repository."""
        if not PurePosixPath(file).is_absolute():
            return self.prefix + file
        try:
            return PurePosixPath(file).relative_to(self.repository).as_posix()
        except ValueError:
            return file  # outside the repository: only its absolute name can find it

    def uri(self, file: str) -> str:
        """``path`` as a URI reference (percent-encoded)."""
        return quote(self.path(file))

    def link(self, file: str, line: int | None = None) -> str:
        """A link to the file (at a line) on the forge when known, else relative to the repository root."""
        anchor = f"#L{line}" if line else ""
        base = "" if PurePosixPath(self.path(file)).is_absolute() else self.web or ""
        return f"{base}{self.uri(file)}{anchor}"


def repository_root(root: Path) -> Path:
    root = root.resolve()
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return root


def places_for(root: Path, env: Mapping[str, str]) -> Places:
    repository = repository_root(root)
    inside = root.resolve().relative_to(repository).as_posix()
    web = None
    for names, template in WEB_ROOTS:
        values = [env.get(name, "").rstrip("/") for name in names]
        if all(values):
            web = template.format(*values)
            break
    return Places(repository=repository.as_posix(), prefix="" if inside == "." else inside + "/", web=web)
