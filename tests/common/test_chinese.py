"""Word segmentation for search (shequtong/common/chinese.py)."""

from __future__ import annotations

from shequtong.common import chinese


def test_a_word_inside_a_sentence_becomes_a_separate_token():
    words = chinese.segment("楼道灯坏了有人报修吗").split()
    assert "楼道" in words and "报修" in words


def test_search_mode_keeps_the_long_word_and_the_words_inside_it():
    words = chinese.segment("垃圾分类投放时间调整").split()
    assert {"垃圾分类", "垃圾", "分类", "投放"} <= set(words)


def test_domain_dictionary_words_stay_whole():
    assert chinese.query_terms("加装电梯") == ["加装电梯"]
    assert chinese.query_terms("居民区物业") == ["居民区", "物业"]
    assert "居委" in chinese.segment("请居委协调处理").split()


def test_punctuation_and_spaces_are_dropped_latin_is_lower_cased_and_words_appear_once():
    text = chinese.segment("【通知】小区 WiFi 故障，小区，小区！")
    assert text.split() == ["通知", "小区", "wifi", "故障"]


def test_search_text_joins_parts_without_repeating_words():
    assert chinese.search_text("停车难", None, "", "小区停车难") == "停车 停车难 小区"
    assert chinese.search_text() == ""


def test_query_terms_use_precise_mode_and_ignore_empty_input():
    assert chinese.query_terms("  垃圾分类 ") == ["垃圾分类"]
    assert chinese.query_terms("，。！") == []
    assert chinese.query_terms(None) == []


def test_segmentation_is_memoised_per_distinct_text():
    chinese.segment.cache_clear()
    for _ in range(50):
        chinese.search_text("电梯经常故障", "已经持续一段时间，请居委协调处理。")
    info = chinese.segment.cache_info()
    assert info.misses == 2 and info.hits == 98
