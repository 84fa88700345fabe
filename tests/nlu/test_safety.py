"""The deterministic safety detector against the team's emergency list (both scripts)."""
from pathlib import Path

import pytest
import yaml

from bot.nlu.safety import detect

CASES = yaml.safe_load((Path(__file__).parent / "safety_cases.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["emergencies"], ids=lambda c: c["text"][:20])
def test_every_emergency_is_caught_with_its_kind(case):
    hit = detect(case["text"])
    assert hit is not None, case["text"]
    assert hit.intent == case["kind"]


def test_false_alarms_on_ordinary_questions_stay_at_or_below_two_percent():
    alarms = [t for t in CASES["ordinary"] if detect(t) is not None]
    assert len(CASES["ordinary"]) >= 200
    assert len(alarms) / len(CASES["ordinary"]) <= 0.02, alarms


@pytest.mark.parametrize("text", ["想死你了", "累死了", "笑死我了", "热死了今天", "这价格气死我了",
                                  "笑不活了家人们"])
def test_colloquial_exaggerations_are_not_self_harm(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", ["手机充电没有反应", "其他按键都没反应", "扫地机器人没反应了",
                                  "平板开机键按了没有任何反应", "我点了转人工没反应"])
def test_a_device_that_does_not_respond_is_not_a_person_who_does_not(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", ["我妈没反应了", "叫他没有反应", "宝宝怎么叫都没有反应"])
def test_a_person_who_does_not_respond_is_an_emergency(text):
    assert detect(text).intent == "medical_emergency"


def test_the_emergency_can_hide_in_a_long_message():
    text = "你好我想问下订单的事情" * 30 + "等等我孩子刚刚误吞了一颗纽扣电池" + "怎么办" * 10
    assert detect(text).intent == "medical_emergency"


@pytest.mark.parametrize("text", ["", "😀", "   "])
def test_empty_and_emoji_are_not_alarms(text):
    assert detect(text) is None


def _training_examples():
    import re
    root = Path(__file__).resolve().parents[2] / "data" / "nlu"
    for path in sorted(root.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield block["intent"], re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line[2:])


def test_the_detector_agrees_with_the_training_data():
    """Every emergency and self-harm training example is caught with its kind, and no other
    training example (thousands of ordinary questions, symptoms and drug questions) is."""
    missed, alarms = [], []
    for intent, text in _training_examples():
        hit = detect(text)
        if intent in ("medical_emergency", "self_harm"):
            if hit is None or hit.intent != intent:
                missed.append((intent, text, hit))
        elif hit is not None:
            alarms.append((intent, text, hit.rule))
    assert not missed
    assert not alarms


@pytest.mark.parametrize("text,kind", [
    ("切菜不小心割到手腕 血一直流", "medical_emergency"),
    ("玻璃划到手腕 流了好多血", "medical_emergency"),
    ("我想割腕", "self_harm"),
    ("手腕割破了 我不想活了", "self_harm")])
def test_an_accidental_cut_is_an_emergency_and_an_intended_one_self_harm(text, kind):
    assert detect(text).intent == kind


# Found in review: exceptions for slang, devices and accidents must never hide a real case.
@pytest.mark.parametrize("text", ["我想跳楼摔死算了", "拿玻璃割腕", "用玻璃划自己", "每次碰到这种事就想伤害自己",
                                  "笑不活了 但我真的想去死", "笑不活了 明天去跳河", "胳膊划破了才能睡着"])
def test_an_exception_never_hides_self_harm(text):
    assert detect(text).intent == "self_harm"


@pytest.mark.parametrize("text", ["家人突然没反应了", "主人没反应了", "客人晕了没反应", "老爷子没有反应了",
                                  "我姥姥没有反应了", "孩子摔下来以后一直没有反应"])
def test_a_person_who_does_not_respond_is_an_emergency_however_named(text):
    assert detect(text).intent == "medical_emergency"


@pytest.mark.parametrize("text", [
    "我血压一直在135左右 能在线问诊吗", "血糖一直控制得不好 想开点药", "血脂一直偏高 他汀要吃多久",
    "血氧一直显示98 正常吗", "血常规一直没去查"])
def test_blood_pressure_or_sugar_that_stays_high_is_no_bleeding(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", ["手上的血一直往外冒", "血止不住", "伤口的血一直流"])
def test_bleeding_that_does_not_stop_is_an_emergency(text):
    hit = detect(text)
    assert hit is not None and hit.intent == "medical_emergency"


@pytest.mark.parametrize("text", [
    "割到血管了一直在流", "血管破了一直流", "透析的血管一直在出血", "血氧一直往下掉 现在80多",
    "血压一直往下掉 人快晕了", "血压一直在降 现在60/40", "血红的一直往外冒", "流的血红红的一直不停"])
def test_bleeding_or_a_falling_pressure_is_an_emergency_whatever_follows_blood(text):
    hit = detect(text)
    assert hit is not None and hit.intent == "medical_emergency"


@pytest.mark.parametrize("text", ["血糖最近一直偏高", "我妈血压一直不太稳 想问问医生", "血压降到多少算低",
                                  "高血压一直吃药 能换个药吗"])
def test_a_steady_reading_or_a_question_about_one_is_no_emergency(text):
    assert detect(text) is None
