"""The community-governance lexicon (PF-1) in memory: scanning text for terms, and jieba with it as a user dictionary.

The lexicon is data: `Domain` and `Term` rows (edited in the admin), first
loaded from the versioned fixture `data/lexicon.json` by the migration
`0002_lexicon` or `manage.py load_policy_lexicon`. Each term has synonyms
and the colloquial ways residents say it (家里揭不开锅 for 临时救助); every one
of these surface forms maps back to the term, so a resident who never uses
a policy's words still meets it.

`Lexicon` is plain Python (no database): `from_rows` builds it from rows or
the fixture. `scan(text)` finds every surface form in a text with a
first-character index (a handful of dictionary look-ups per character), and
`tokenizer()` is a jieba tokenizer that knows every surface form as a word.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent / "data" / "lexicon.json"


@dataclass(frozen=True)
class Entry:
    key: str        # stable feature key: the term itself
    term: str
    domain: str     # domain code
    domain_name: str
    synonyms: tuple[str, ...]
    colloquial: tuple[str, ...]

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, *self.synonyms, *self.colloquial)


def _clean(form: str) -> str:
    return "".join(form.split()).lower()


class Lexicon:
    def __init__(self, entries: Iterable[Entry], version: int = 0, domain_tags: Mapping[str, list[str]] | None = None):
        self.entries: list[Entry] = list(entries)
        self.version = version
        self.domain_tags: dict[str, list[str]] = dict(domain_tags or {})
        self.by_key: dict[str, Entry] = {e.key: e for e in self.entries}
        # surface form -> keys of the terms it names (a form shared by two terms names both)
        forms: dict[str, set[str]] = {}
        for e in self.entries:
            for form in e.forms:
                f = _clean(form)
                if len(f) >= 2:
                    forms.setdefault(f, set()).add(e.key)
        self.forms: dict[str, tuple[str, ...]] = {f: tuple(sorted(k)) for f, k in forms.items()}
        index: dict[str, set[int]] = {}
        for f in self.forms:
            index.setdefault(f[0], set()).add(len(f))
        self._lengths: dict[str, tuple[int, ...]] = {ch: tuple(sorted(ls, reverse=True)) for ch, ls in index.items()}
        self._lock = threading.Lock()
        self._tokenizer: Any = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Lexicon:
        entries = []
        tags = {}
        for d in data["domains"]:
            tags[d["code"]] = list(d.get("tags", []))
            for t in d["terms"]:
                entries.append(Entry(key=t["term"], term=t["term"], domain=d["code"], domain_name=d["name"],
                                     synonyms=tuple(t.get("synonyms", [])), colloquial=tuple(t.get("colloquial", []))))
        return cls(entries, version=int(data.get("version", 0)), domain_tags=tags)

    @classmethod
    def from_fixture(cls, path: Path = FIXTURE) -> Lexicon:
        return cls.from_data(json.loads(path.read_text(encoding="utf-8")))

    def scan(self, text: str) -> dict[str, str]:
        """The terms a text names: key -> the first surface form found (overlapping forms all count)."""
        found: dict[str, str] = {}
        s = _clean(text)
        lengths = self._lengths
        forms = self.forms
        n = len(s)
        for i in range(n - 1):
            ls = lengths.get(s[i])
            if not ls:
                continue
            for length in ls:
                if i + length > n:
                    continue
                keys = forms.get(s[i:i + length])
                if keys:
                    for k in keys:
                        found.setdefault(k, s[i:i + length])
        return found

    def covered(self, text: str) -> tuple[str, list[bool]]:
        """The cleaned text and, per character, whether a surface form of some term covers it."""
        s = _clean(text)
        mask = [False] * len(s)
        lengths, forms, n = self._lengths, self.forms, len(s)
        for i in range(n - 1):
            for length in lengths.get(s[i], ()):
                if i + length <= n and s[i:i + length] in forms:
                    mask[i:i + length] = [True] * length
        return s, mask

    def tokenizer(self) -> Any:
        """A jieba tokenizer with every surface form as a user word (loaded once per lexicon)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    import jieba

                    from shequtong.common.chinese import DOMAIN_WORDS

                    jieba.setLogLevel(logging.WARNING)
                    tok = jieba.Tokenizer()
                    tok.initialize()
                    for word in DOMAIN_WORDS:
                        tok.add_word(word, freq=20_000)
                    for form in self.forms:
                        if len(form) <= 8:
                            tok.add_word(form, freq=20_000)
                    self._tokenizer = tok
        return self._tokenizer

    @cached_property
    def domains(self) -> dict[str, str]:
        return {e.domain: e.domain_name for e in self.entries}


_default: Lexicon | None = None


def fixture_lexicon() -> Lexicon:
    """The lexicon of the fixture (tests and the harness before the database is loaded)."""
    global _default
    if _default is None:
        _default = Lexicon.from_fixture()
    return _default
