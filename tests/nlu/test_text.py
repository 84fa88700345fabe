import pytest

from bot.nlu.text import MAX_NLU_CHARS, detect_script, normalise, to_halfwidth, to_simplified


@pytest.mark.parametrize("text, simplified", [
    ("孩子誤吞了藥怎麼辦", "孩子误吞了药怎么办"),
    ("我的訂單到哪了", "我的订单到哪了"),
    ("頭暈噁心", "头晕恶心"),
    ("價保怎麼申請", "价保怎么申请"),
])
def test_traditional_becomes_simplified_with_the_same_length(text, simplified):
    out, script = normalise(text)
    assert out == simplified
    assert len(out) == len(text)
    assert script == "traditional"


def test_simplified_stays_and_is_detected():
    assert normalise("我的订单到哪了") == ("我的订单到哪了", "simplified")


def test_full_width_becomes_half_width_keeping_length():
    text = "ｉＰｈｏｎｅ１３　多少錢？"
    out, _ = normalise(text)
    assert out == "iPhone13 多少钱?"
    assert len(out) == len(text)
    assert to_halfwidth("ＮＢ码") == "NB码"


def test_mixed_script_takes_the_majority():
    assert detect_script("我想問一下這個訂單") == "traditional"
    assert detect_script("我想问一下这个订單") == "simplified"


def test_text_is_capped_for_nlu():
    out, _ = normalise("价" * 20_000)
    assert len(out) == MAX_NLU_CHARS


@pytest.mark.parametrize("text", ["", "😀😀😀", "   ", "\n", "🙏 谢谢"])
def test_odd_input_does_not_break(text):
    out, script = normalise(text)
    assert len(out) == len(text)
    assert script in ("simplified", "traditional")


def test_emoji_survive_unchanged():
    assert to_simplified("😡退款") == "😡退款"
