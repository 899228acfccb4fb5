"""`rules/content/posts/*.toml`: one file per planned post, beside `[[posts]]` in content.toml.

Why TOML files and not Markdown with front matter: a post carries several texts (one per
language), a next step with its own fields, labels and media, which TOML holds as plainly as
`rules/content.toml` does (multi-line texts in triple quotes). Admins already write TOML for every
other rule file, the same checks and the same schema apply, and nothing in a post is Markdown:
Kenes sends plain text. A front-matter file would need a second parser and would still be TOML
on top.

The file's name is the post's key (`myth-jan.toml` is the post `myth-jan`), so renaming a file
is a new post and removing it cancels the post if it is not out yet. Files whose name starts
with `_` are not loaded: `_example.toml`, shipped, is a commented template to copy.

The folder is read by a rule compiler, on every load and reload, in the same pass as the rule
files. A bad file never drops the good ones: it is skipped with its problems (file, line, what
to fix), which `kenes rules check` prints and the running bot logs; the rest of the rules and
the other posts load as usual, and the skipped file's post is left as it was.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bot.rules.loader import (
    RuleProblem,
    RuleSet,
    depth,
    line_of_key,
    problems_from,
    read_text_file,
)
from cogs.content.media import Media
from cogs.content.rules import ContentRules, FilePost

COMPILED = "content.posts"
FOLDER = Path("content") / "posts"
# Bounded: a folder of this many post files is a year of daily posts; more is a mistake.
MAX_FILES = 1000
MAX_FILE_BYTES = 256 << 10
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_AT_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True)
class FolderPosts:
    """What the folder held: the posts that loaded, and the problems of the files that did not."""

    posts: tuple[FilePost, ...] = ()
    problems: tuple[RuleProblem, ...] = ()
    # Keys of files that are there but did not load: their posts are neither changed nor
    # cancelled until the file is fixed.
    skipped: frozenset[str] = field(default_factory=frozenset)


def line_of(source: str, loc: Sequence[str | int]) -> int:
    """The line of `source` that best matches the key path `loc` (1 when nothing does)."""
    return line_of_key(source, ".".join(str(part) for part in loc)) or 1


def _with_lines(label: str, source: str, found: list[RuleProblem]) -> list[RuleProblem]:
    shown = []
    for problem in found:
        # pydantic names a bad table key `text.de.[key]`: the admin wrote `text.de`.
        key = problem.key.removesuffix(".[key]")
        line = line_of(source, key.split("."))
        shown.append(RuleProblem(f"{label}:{line}", key, problem.message))
    return shown


def read_post(
    path: Path, label: str, rubrics: Sequence[str], media_limit: int = 50 << 20
) -> FilePost | list[RuleProblem]:
    """One post file, checked like the rule files; its problems name the file and the line.

    Its `media`, a path, is a file of the rules folder (`path`'s grandparent's parent).
    """
    key = path.stem
    if _KEY.match(key) is None:
        return [
            RuleProblem(label, "(file name)", "the file name is the post's key: rename it to "
                        "lowercase a-z, 0-9, - or _ (at most 32 characters), e.g. myth-jan.toml")
        ]  # fmt: skip
    try:
        source = read_text_file(path, MAX_FILE_BYTES)
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        line = _AT_LINE.search(str(exc))
        where = f"{label}:{line[1]}" if line else label
        return [RuleProblem(where, "(syntax)", f"not valid TOML: {exc}")]
    except UnicodeDecodeError:
        return [RuleProblem(label, "(encoding)", "not UTF-8 text; save it as UTF-8")]
    except (OSError, RecursionError) as exc:
        return [RuleProblem(label, "(file)", f"cannot be read: {exc}")]
    if depth(raw) > 8:
        return [RuleProblem(label, "(syntax)", "tables nest too deeply for a post")]
    if "key" in raw:
        return [
            RuleProblem(f"{label}:{line_of(source, ['key'])}", "key",
                        "the file name is the key: remove `key` (or rename the file)")
        ]  # fmt: skip
    rules_dir = path.parent.parent.parent
    try:
        post = FilePost.model_validate({**raw, "key": key}, context={"rules_dir": rules_dir})
    except ValidationError as exc:
        return _with_lines(label, source, problems_from(label, exc))
    if post.rubric not in rubrics:
        known = ", ".join(sorted(rubrics))
        return [
            RuleProblem(f"{label}:{line_of(source, ['rubric'])}", "rubric",
                        f"unknown rubric {post.rubric!r}; known: {known} (add one in "
                        "rules/content.toml)")
        ]  # fmt: skip
    if post.media and Media.parse(post.media) is None and not post.media.startswith("http"):
        try:
            size = (rules_dir / post.media).stat().st_size
        except OSError:
            size = 0  # checked by the model: it is there
        if size > media_limit:
            return [
                RuleProblem(f"{label}:{line_of(source, ['media'])}", "media",
                            f"{post.media!r} is {size / 1e6:.1f} MB, more than the "
                            f"{media_limit / 1e6:.0f} MB allowed (media_max_mb in "
                            "rules/content.toml, 1-50): make it smaller")
            ]  # fmt: skip
    return post


def load_folder(directory: Path, rules: ContentRules) -> FolderPosts:
    """Every post file of `directory/content/posts/` (the rules folder's)."""
    folder = directory / FOLDER
    if not folder.is_dir():
        return FolderPosts()
    prefix = f"{directory.name}/{FOLDER.as_posix()}"
    paths = sorted(
        p for p in folder.iterdir() if p.suffix == ".toml" and not p.name.startswith("_")
    )
    problems: list[RuleProblem] = []
    if len(paths) > MAX_FILES:
        problems.append(
            RuleProblem(prefix, "(folder)", f"{len(paths)} post files; at most {MAX_FILES} are "
                        "loaded (the first by name): move published ones out")
        )  # fmt: skip
        paths = paths[:MAX_FILES]
    in_file = {post.key for post in rules.posts}
    posts: list[FilePost] = []
    skipped: set[str] = set()
    for path in paths:
        label = f"{prefix}/{path.name}"
        if path.stem in in_file:
            problems.append(
                RuleProblem(label, "(file name)", f"the key {path.stem!r} is also a [[posts]] "
                            "key in rules/content.toml; rename the file or that entry")
            )  # fmt: skip
            skipped.add(path.stem)
            continue
        read = read_post(path, label, list(rules.rubrics), rules.media_max_mb * 1_000_000)
        if isinstance(read, FilePost):
            posts.append(read)
        else:
            problems.extend(read)
            skipped.add(path.stem)
    return FolderPosts(tuple(posts), tuple(problems), frozenset(skipped))


def compile_folder(ruleset: RuleSet) -> FolderPosts:
    """The rule compiler: run on every load and reload, never rejecting the rule set."""
    if ruleset.source is None:
        return FolderPosts()
    return load_folder(ruleset.source, ruleset.get(ContentRules))
