"""The linear half of the intent ensemble and the bare-answer rule, without training DIET."""
from __future__ import annotations

import numpy as np
import pytest

from bot.nlu.components import AnswerDetector, LinearModel, shape_words

TRAIN = [("我的快递到哪了", ["我的", "快递", "到", "哪", "了"], "order_status"),
         ("物流怎么不动了", ["物流", "怎么", "不动", "了"], "order_status"),
         ("包裹还没到", ["包裹", "还", "没到"], "order_status"),
         ("降价了能退差价吗", ["降价", "了", "能", "退差价", "吗"], "price_guarantee"),
         ("申请价保", ["申请", "价保"], "price_guarantee"),
         ("买贵了 价保一下", ["买", "贵", "了", "价保", "一下"], "price_guarantee"),
         ("谢谢", ["谢谢"], "thank"), ("多谢啦", ["多谢", "啦"], "thank")]


@pytest.fixture(scope="module")
def model() -> LinearModel:
    texts, tokens, labels = zip(*TRAIN)
    return LinearModel.fit(list(texts), list(tokens), list(labels), C=1.0, max_n=3,
                           sound_weight=0.7)


def test_scoring_matches_scikit_learn(model):
    from scipy.sparse import hstack
    from sklearn.svm import LinearSVC
    texts, tokens, labels = zip(*TRAIN)
    chars, words, sound = LinearModel.vectorisers(3)
    x = hstack([chars.fit_transform(texts), words.fit_transform(tokens),
                0.7 * sound.fit_transform(texts)]).tocsr()
    svm = LinearSVC(C=1.0, random_state=618).fit(x, labels)
    for probe in [("快递到哪了 价保", ["快递", "到", "哪", "了", "价保"]),
                  ("kuaidi daole ma 🙃", ["kuaidi", "daole", "ma", "🙃"])]:
        xp = hstack([chars.transform([probe[0]]), words.transform([probe[1]]),
                     0.7 * sound.transform([probe[0]])]).tocsr()
        assert np.allclose(svm.decision_function(xp)[0], model.margins(*probe), atol=1e-4)


def test_homophone_typos_and_typed_pinyin_read_like_the_words(model):
    """价宝 (a homophone typo) and 'jiabao' (typed without a Chinese IME) sound like 价保."""
    def top(text, tokens):
        return model.classes[int(np.argmax(model.margins(text, tokens)))]
    assert top("价宝", ["价", "宝"]) == "price_guarantee"
    assert top("jiabao", ["jiabao"]) == "price_guarantee"
    assert top("kuaidi daonale", ["kuaidi", "daonale"]) == "order_status"


def test_it_classifies_and_survives_unknown_text(model):
    assert model.classes[int(np.argmax(model.margins("快递到哪了", ["快递", "到", "哪", "了"])))] == "order_status"
    assert model.classes[int(np.argmax(model.margins("价保", ["价保"])))] == "price_guarantee"
    assert model.margins("😀😀", ["😀😀"]).shape == (len(model.classes),)


def _ents(text, *spans):
    return [{"start": text.index(s), "end": text.index(s) + len(s), "entity": "x", "value": s}
            for s in spans]


@pytest.mark.parametrize("text,spans", [
    ("389771735911", ["389771735911"]), ("应该是389771735911吧", ["389771735911"]),
    ("朝阳区", ["朝阳区"]), ("我家的泰迪", ["泰迪"]), ("14斤 L码", ["14斤", "L码"]),
    ("美林。", ["美林"])])
def test_bare_answers(text, spans):
    assert AnswerDetector.is_bare_answer(text, _ents(text, *spans))


@pytest.mark.parametrize("text,spans", [
    ("美林能和泰诺一起吃吗", ["美林", "泰诺"]), ("389771735911 到哪了", ["389771735911"]),
    ("拉拉裤要XXL吗", ["拉拉裤", "XXL"]), ("朝阳区能送吗", ["朝阳区"]), ("谢谢", [])])
def test_not_bare_answers(text, spans):
    assert not AnswerDetector.is_bare_answer(text, _ents(text, *spans))


def test_a_lookup_table_carries_what_was_learnt_from_one_name_to_the_others():
    train = TRAIN + [("淘宝账号被盗了", ["淘宝", "账号", "被盗", "了"], "out_of_scope"),
                     ("淘宝会员怎么退", ["淘宝", "会员", "怎么", "退"], "out_of_scope"),
                     ("淘宝上的东西好用吗", ["淘宝", "上", "的", "东西", "好用", "吗"], "out_of_scope")]
    texts, tokens, labels = zip(*train)
    tables = [{"name": "other_platform", "elements": ["淘宝", "美团"]}]
    with_table = LinearModel.fit(list(texts), list(tokens), list(labels), C=1.0, max_n=3,
                                 lookup_tables=tables)
    assert with_table.with_lookups("美团呢", ["美团", "呢"])[-1] == "<lookup:other_platform>"
    assert with_table.with_lookups("美食呢", ["美食", "呢"]) == ["美食", "呢"]
    margins = with_table.margins("美团", ["美团"])
    assert with_table.classes[int(np.argmax(margins))] == "out_of_scope"


def test_the_lookup_matcher_finds_every_table_a_text_mentions():
    from bot.nlu.components import LookupMatcher, load_lexicons
    m = LookupMatcher([{"name": "a", "elements": ["淘宝", "Switch"]},
                       {"name": "b", "elements": ["淘宝网", "海淀区"]}])
    assert m.tables_in("我在淘宝网买的SWITCH 送到海淀区") == ["a", "b"]
    assert m.tables_in("淘") == [] and m.tables_in("") == []
    assert m.spans("İ海淀区") == [(1, 4, "b")]        # offsets hold when lower() lengthens
    names = {t["name"] for t in load_lexicons("bot/nlu/lexicons")}
    assert {"other_platform", "drug_name", "place", "pet_breed", "product_model"} <= names


def test_lexicon_names_alone_are_bare_answers_but_another_platform_is_not():
    from bot.nlu.components import LookupMatcher, load_lexicons
    m = LookupMatcher(load_lexicons("bot/nlu/lexicons"))

    def bare(text):
        spans = [{"start": a, "end": b} for a, b, _ in m.spans(text, skip=("other_platform",))]
        return AnswerDetector.is_bare_answer(text, spans)
    assert bare("板蓝根") and bare("就那个马尔济斯") and bare("北京")
    assert not bare("淘宝") and not bare("布洛芬能和头孢一起吃吗")
    assert m.spans("在淘宝买的") == [(1, 3, "other_platform")]


def test_drugs_the_shop_does_not_sell_are_still_drug_entities():
    from bot.nlu.components import LedgerEntityExtractor
    from bot.nlu.lexicon import Term
    ledger = [Term("drug", "美林", "布洛芬混悬液")]
    extra = LedgerEntityExtractor({}, None, None)._lexicon_terms(ledger)
    by_text = {t.text: t for t in extra}
    assert by_text["板蓝根"] == Term("drug", "板蓝根", "板蓝根")
    assert "美林" not in by_text          # the ledger's own term (and its value) wins
    assert not any("美林" in t for t in by_text)     # nor a longer name around it
    assert all(len(t) >= 3 for t in by_text)          # 快克 would hide in 很快克服
    assert {t.label for t in extra} == {"drug"}


@pytest.mark.parametrize("text,words", [
    ("哈哈哈哈哈哈", {"<len:4-6>", "<repetitive>"}),
    ("asdfgh", {"<len:4-6>", "<all_latin>"}),
    ("2333", {"<len:4-6>", "<all_digits>"}),
    ("🙃🙃", {"<len:2-3>", "<no_words>"}),
    ("能帮我查下快递到哪了吗", {"<len:7-12>", "<question>", "<ask>"}),
    ("x", {"<len:1>", "<all_latin>"})])
def test_shape_words_describe_the_form_of_a_message(text, words):
    assert set(shape_words(text)) == words


def test_shape_words_join_the_word_block_when_asked():
    texts, tokens, labels = zip(*TRAIN)
    shaped = LinearModel.fit(list(texts), list(tokens), list(labels), C=1.0, max_n=3, shape=True)
    assert "<len:4-6>" in shaped.word_vocab and "<len:4-6>" not in LinearModel.fit(
        list(texts), list(tokens), list(labels), C=1.0, max_n=3).word_vocab
    assert shaped.margins("哈哈哈", ["哈哈哈"]).shape == (len(shaped.classes),)


def test_a_two_class_model_scores_both_classes():
    """A binary LinearSVC keeps one row of coefficients; the margins still name both classes."""
    pairs = [("怎么付款", ["怎么", "付款"], "faq/pay"), ("能货到付款吗", ["能", "货到付款", "吗"], "faq/pay"),
             ("客服几点下班", ["客服", "几点", "下班"], "faq/hours"), ("晚上有人吗", ["晚上", "有人", "吗"], "faq/hours")]
    texts, tokens, labels = zip(*pairs)
    model = LinearModel.fit(list(texts), list(tokens), list(labels), C=1.0, max_n=3)
    for text, toks, label in pairs:
        margins = model.margins(text, toks)
        assert margins.shape == (2,) and model.classes[int(np.argmax(margins))] == label
    assert model.knows("付款") and not model.knows("🙃🙃")
