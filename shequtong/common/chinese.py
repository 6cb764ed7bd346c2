"""Chinese text for search: jieba word segmentation with our domain dictionary (ARCHITECTURE rule 8).

A searchable row stores `search_text`: its visible text cut into words,
lower-cased and separated by single spaces ("楼道 灯 坏 了 报修"). PostgreSQL
indexes it as `to_tsvector('simple', search_text)` and SQLite matches it with
LIKE (shequtong/common/fulltext.py); both then look for whole words, which
plain Chinese text (no spaces) cannot give.

Documents are cut in search mode (a long word also yields the dictionary
words inside it: 垃圾分类 → 垃圾 分类 垃圾分类), a query in precise mode, so
a query for 垃圾 or 垃圾分类 both find 垃圾分类投放时间调整. HMM guessing of
unknown words is off: it could glue characters together differently in a
document and in a query (楼道灯坏了 → 灯坏) and make the same word miss.

`segment` is memoised: bulk loads and the backfill command repeat the same
phrases many times and cut each distinct text once.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Any

# Words of community governance that jieba's general dictionary lacks or cuts
# apart. A high frequency makes jieba prefer them over their pieces.
DOMAIN_WORDS: tuple[str, ...] = (
    "居委", "居委会", "村委", "村委会", "居村委", "居村民", "居民区", "小区", "物业", "业委会", "物业之窗",
    "社区通", "左邻右舍", "身边事", "议事厅", "党建园地", "居务公开", "社区公告", "人民信箱", "面对面",
    "宝山", "街镇", "网格化", "网格员", "楼组长", "楼道", "垃圾分类", "垃圾箱房", "湿垃圾", "干垃圾",
    "停车", "停车位", "停车难", "充电桩", "电动车", "加装电梯", "共享单车", "群租", "违章搭建", "违建",
    "噪音扰民", "独居老人", "助餐点", "助老", "为老服务", "消防演练", "疫苗接种", "低保", "居住证",
    "下水道", "外墙渗水", "广场舞", "绿化带", "菜场", "志愿服务", "主题党日", "结对帮扶", "睦邻",
)

_MAX_QUERY_TERMS = 10

_lock = threading.Lock()
_tokenizer: Any = None


def _jieba() -> Any:
    """The process's tokenizer, loaded once (about a second: the dictionary comes from jieba's cache file)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in DOMAIN_WORDS:
                    tokenizer.add_word(word, freq=20_000)
                _tokenizer = tokenizer
    return _tokenizer


def warm() -> None:
    """Load the dictionary now (app servers call this at start, so no request pays for it)."""
    _jieba()


def _words(tokens: Any) -> list[str]:
    """Lower-cased words without punctuation or spaces, each once, in order."""
    seen: dict[str, None] = {}
    for token in tokens:
        word = token.strip().lower()
        if word and any(ch.isalnum() for ch in word):
            seen.setdefault(word, None)
    return list(seen)


# Bounded: a web process cuts every new post; bulk loads repeat a few thousand texts at most.
@lru_cache(maxsize=4096)
def segment(text: str) -> str:
    """`text` cut into searchable words (search mode), separated by single spaces."""
    if not text or not text.strip():
        return ""
    return " ".join(_words(_jieba().cut_for_search(text, HMM=False)))


def search_text(*parts: str | None) -> str:
    """The `search_text` of a row from its visible parts (title, body, …), each part cut once and memoised."""
    words: dict[str, None] = {}
    for part in parts:
        for word in segment(part or "").split():
            words.setdefault(word, None)
    return " ".join(words)


def query_terms(query: str | None) -> list[str]:
    """The words a keyword query asks for (precise mode); all of them must occur."""
    query = (query or "").strip()[:100]
    if not query:
        return []
    return _words(_jieba().cut(query, HMM=False))[:_MAX_QUERY_TERMS]
