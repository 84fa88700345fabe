"""The deterministic safety detector: emergencies and self-harm, in either script.

Runs on the normalised (Simplified) text. Each rule is a regular expression with a name; a hit
overrides the intent (``medical_emergency`` or ``self_harm``) whatever the classifier said.
Knowledge questions ("过量服用有什么后果", "如果误服了怎么办") about overdoses and poisoning
are left to the classifier unless they also describe something happening now; everything
describing a person in danger is caught, at the price of a few false alarms.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.nlu.text import to_halfwidth, to_simplified

__all__ = ["Hit", "detect", "RULES"]


@dataclass(frozen=True)
class Hit:
    intent: str
    rule: str


CHILD = r"(?:孩子|宝宝|小孩|儿子|女儿|娃|婴儿|孙子|孙女|小朋友|闺女|外孙|外孙女|小宝|崽)"
PERSON = rf"(?:{CHILD[3:-1]}|老人|老公|老婆|我妈|我爸|妈妈|爸爸|奶奶|爷爷|姥姥|姥爷|他|她|朋友|同事|家人|我)"
MEDICINE = r"(?:药|片|粒|胶囊|药丸|安眠药|降压药|退烧药|感冒药|布洛芬|对乙酰氨基酚|扑热息痛)"
HAZARD = (r"(?:纽扣电池|电池|磁铁|磁珠|洗衣液|洗衣凝珠|凝珠|洗洁精|消毒液|84|漂白|农药|老鼠药|杀虫剂|除草剂|"
          r"百草枯|敌敌畏|酒精|干燥剂|硬币|异物|一整瓶|整瓶|一瓶|一板|一把|好多|好几)")
HYPOTHETICAL = r"(?:如果|万一|假如|要是|假设|会不会|会不会|一般|注意事项|说明书|怎么预防|如何预防|有什么后果|会怎样|会怎么样|什么症状)"

RULES: list[tuple[str, str, re.Pattern]] = [
    # self-harm first: it needs a different first reply
    ("self_harm", "suicidal", re.compile(
        r"不想活|活不下去|不想再活|没法活了|自杀|轻生|寻死|想去死|我想死|想死了|好想死|真想死|去死吧我|"
        r"结束(?:自己的?)?生命|结束这一切|了结自己|了断自己|一了百了|割腕|跳楼|跳河|跳桥|上吊|烧炭|"
        r"活着没(?:有)?(?:意思|意义|盼头)|活着(?:好|太|真)?累(?:了)?不想|不如死了|死了算了|死了就好|"
        r"伤害自己|自残|自伤|划自己|割自己|遗书|安眠药.{0,8}(?:攒|囤|全吃|一起吃|一次吃)|"
        r"(?:攒|囤)了?.{0,6}安眠药|永远睡着|离开这个世界|不想醒来|消失算了")),
    ("medical_emergency", "child_swallowed", re.compile(
        rf"{CHILD}.{{0,12}}(?:误吞|误服|误食|误吃|误喝|偷吃|偷喝|当糖吃|当糖果吃|吞了|吞下|咽下|咽了|舔了|吃了|喝了|吃进去|喝进去).{{0,10}}{HAZARD}"
        rf"|{PERSON}.{{0,12}}(?:误吞|误服|误食|误吃|误喝|偷吃|偷喝|当糖吃|当糖果吃|吞了|吞下|咽下|咽了).{{0,10}}{MEDICINE}"
        rf"|{MEDICINE}.{{0,4}}当(?:成)?糖(?:果|豆)?吃|(?:误吞|误服|误食|误喝)(?:了)?")),
    ("medical_emergency", "overdose", re.compile(
        r"(?:吃|服|喝|吞)了?(?:一整瓶|整瓶|一瓶|半瓶|一大把|一把|一盒|整盒|好几盒|几十|二十多|三十多|十几|几十片|好多|很多|一堆)"
        r".{0,8}(?:药|片|粒|胶囊|安眠药)"
        r"|(?:药|片|粒|胶囊|安眠药).{0,4}(?:全吃了|全吞了|都吃了|都吞了|一口气吃了|一次吃了)"
        r"|吃(?:多|过量|超量)了.{0,8}(?:药|片|粒)|(?:药|片|粒).{0,6}吃(?:多|过量|超量)了"
        r"|服药过量|用药过量|过量服用了|吃药过量|药物过量|过量服药")),
    ("medical_emergency", "poisoning", re.compile(
        r"中毒了|中毒|农药|百草枯|敌敌畏|老鼠药|毒鼠|一氧化碳|煤气(?:中毒|泄漏)|"
        r"喝了(?:洗洁精|消毒液|84|漂白水?|洗衣液|酒精|汽油|清洁剂)|毒蘑菇|吃了.{0,4}蘑菇.{0,8}(?:吐|晕|抽)")),
    ("medical_emergency", "chest_pain", re.compile(
        r"胸(?:口|部|前)?.{0,4}(?:剧痛|绞痛|剧烈|痛得|疼得|好痛|好疼|很痛|很疼|特别痛|特别疼|非常痛|非常疼|痛死|疼死|"
        r"压榨|撕裂|像压了|压着|受不了|喘不)|心口.{0,3}(?:痛得|疼得|剧痛|绞痛)|心梗|心肌梗|心脏病(?:发作|犯了)|"
        r"心绞痛(?:发作|犯了)|心脏(?:骤停|停跳)|心跳(?:停了|没了)")),
    ("medical_emergency", "breathing", re.compile(
        r"喘不上(?:来)?气|喘不过气|上不来气|透不过气|呼吸困难|不能呼吸|无法呼吸|没法呼吸|呼吸不了|没有呼吸|停止呼吸|"
        r"没呼吸|憋得(?:喘|说不|脸)|憋死|窒息|噎住|卡住了?喉咙|卡在喉咙|嘴唇(?:发紫|发青|青紫)|脸色发紫|喉咙肿得|喉头水肿|哮喘(?:发作|犯了)")),
    ("medical_emergency", "stroke", re.compile(
        r"嘴歪|口角歪|嘴角歪|面瘫了|说话不清|说话含糊|口齿不清|说不出话|突然说不了话|半边(?:身子|身体|脸).{0,4}(?:麻|没力|不能动|动不了|没知觉)|"
        r"一侧(?:肢体|手脚).{0,4}(?:无力|麻)|半身不遂|突然(?:看不见|失明|倒地|晕倒|栽倒)|中风|脑卒中|卒中|脑出血|脑梗")),
    ("medical_emergency", "collapse", re.compile(
        r"昏迷|叫不醒|喊不醒|不省人事|晕过去|晕倒了|没有意识|失去意识|没意识|抽搐|抽风|口吐白沫|休克|"
        r"大出血|血流不止|止不住血|吐血|便血很多|全身(?:起)?(?:疹子|红疹).{0,8}(?:喘|呼吸)|过敏.{0,6}(?:喘不|呼吸困难|休克|喉咙)")),
]

_NOT_SELF_HARM = re.compile(r"想死你|想死我了|笑死|热死|累死|困死|饿死|气死|美死|爱死|馋死|想死(?:它|他|她)了")


def _simplify(text: str) -> str:
    return to_simplified(to_halfwidth(text or ""))


def detect(text: str) -> Hit | None:
    """The first matching safety rule for this message, or None."""
    if not text:
        return None
    simple = _simplify(text[:4000])
    compact = re.sub(r"[\s,，.。!！?？~、…]+", "", simple)
    for intent, rule, pattern in RULES:
        for candidate in (simple, compact):
            m = pattern.search(candidate)
            if not m:
                continue
            if intent == "self_harm" and _NOT_SELF_HARM.search(candidate) and not re.search(
                    r"不想活|自杀|轻生|割腕|跳楼|结束|了结|伤害自己|自残", candidate):
                continue
            if rule in ("overdose", "poisoning") and re.search(HYPOTHETICAL, candidate) \
                    and not re.search(r"了(?!解)|现在|刚才|刚刚|正在|已经|赶紧|快|救命|急", candidate):
                continue
            if rule == "child_swallowed" and re.search(r"如果|万一|假如|要是|假设|怎么预防|如何预防", candidate) \
                    and not re.search(r"刚才|刚刚|已经|现在|救命|急", candidate):
                continue
            return Hit(intent, rule)
    return None
