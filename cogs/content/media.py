"""A post's media, uploaded with it: kept on disk under the data folder, keyed by content hash.

A post names its media as `file:<sha256>/<file name>`; the bytes live in
`<data_dir>/content-media/<sha256>`, written once (the same file twice is stored once) and read
when the post goes out. The publish job carries only the post's id, so no job row ever holds
a file. Each file is bounded (`media_max_mb` in rules/content.toml, 1-50 MB), and only images
and documents of known kinds are taken: what a platform uploads as a photo, or as a file.

An address (`https://…`) is not a file: it stays a link in the post's text, as before.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

FOLDER = "content-media"
PREFIX = "file:"
IMAGES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
DOCUMENTS = frozenset({".pdf", ".txt", ".csv", ".docx", ".xlsx", ".pptx", ".odt", ".zip"})
KINDS = IMAGES | DOCUMENTS
_NAME = re.compile(r"^[\w.-]{1,100}$")
_HASH = re.compile(r"^[0-9a-f]{64}$")


class MediaError(ValueError):
    """A media file that cannot be used: what is wrong and how to fix it, in `str()`."""


@dataclass(frozen=True, slots=True)
class Media:
    """Stored media: its hash, the name it is sent under, and whether it is an image."""

    sha256: str
    filename: str

    @property
    def image(self) -> bool:
        return PurePosixPath(self.filename).suffix.lower() in IMAGES

    def __str__(self) -> str:
        return f"{PREFIX}{self.sha256}/{self.filename}"

    @classmethod
    def parse(cls, value: str) -> Media | None:
        """The stored media a post names, or None for an address (or nothing)."""
        if not value.startswith(PREFIX):
            return None
        digest, _, name = value[len(PREFIX) :].partition("/")
        if _HASH.match(digest) is None or _NAME.match(name) is None:
            return None
        return cls(digest, name)


def check_name(name: str) -> str:
    """`name` as a file name to send; MediaError for a kind Kenes does not upload."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in KINDS:
        kinds = ", ".join(sorted(KINDS))
        raise MediaError(f"{name!r} is not an image or document Kenes uploads ({kinds})")
    return re.sub(r"[^\w.-]", "_", PurePosixPath(name).name)[-100:]


def read_limited(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most `limit`; MediaError saying which limit and how to fix."""
    try:
        info = path.stat()
    except OSError:
        raise MediaError(f"{path.name!r} is not there; check the path") from None
    if not path.is_file():
        raise MediaError(f"{path.name!r} is not a regular file")
    if info.st_size > limit:
        raise MediaError(
            f"{path.name!r} is {info.st_size / 1e6:.1f} MB, more than the {limit / 1e6:.0f} MB "
            "allowed (media_max_mb in rules/content.toml, 1-50): make it smaller"
        )
    return path.read_bytes()


class MediaStore:
    """Files by content hash under `<data_dir>/content-media/` (see the module docstring)."""

    def __init__(self, data_dir: Path) -> None:
        self._folder = data_dir / FOLDER

    def put(self, data: bytes, name: str, limit: int) -> Media:
        """Keep `data` (at most `limit` bytes) to send as `name`; the same bytes are kept once."""
        filename = check_name(name)
        if len(data) > limit:
            raise MediaError(
                f"{name!r} is {len(data) / 1e6:.1f} MB, more than the {limit / 1e6:.0f} MB "
                "allowed (media_max_mb in rules/content.toml, 1-50): make it smaller"
            )
        digest = hashlib.sha256(data).hexdigest()
        target = self._folder / digest
        if not target.exists():
            self._folder.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: a crash never leaves half a file under its hash.
            partial = target.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(data)
            partial.replace(target)
        return Media(digest, filename)

    def get(self, media: Media) -> bytes:
        """The stored bytes; MediaError when the file is gone or not what was stored."""
        try:
            data = (self._folder / media.sha256).read_bytes()
        except OSError:
            raise MediaError(
                f"the media of {media.filename!r} is missing from {self._folder}"
            ) from None
        if hashlib.sha256(data).hexdigest() != media.sha256:
            raise MediaError(f"the media of {media.filename!r} in {self._folder} is damaged")
        return data
