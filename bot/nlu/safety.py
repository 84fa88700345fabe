"""The deterministic safety detector: emergencies and self-harm, in either script.

Runs on the normalised (Simplified, half-width) text. Each rule is a named regular expression;
a hit overrides the intent (``medical_emergency`` or ``self_harm``) whatever the classifier
said. Self-harm is always caught. Medical rules stand down only for a general knowledge
question ("中风的前兆是什么", "药吃多了会有什么副作用") that carries no sign of something
happening now (刚才, 现在, 怎么办, "吞了一整瓶"...): safety first, a few false alarms accepted.
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


CHILD = r"(?:孩子|宝宝|小孩|儿子|女儿|娃|婴儿|孙子|孙女|小朋友|闺女|外孙|外孙女|小宝|崽|宝贝)"
PERSON = (rf"(?:{CHILD}|老人|老公|老婆|我妈|我爸|妈妈|爸爸|奶奶|爷爷|姥姥|姥爷|外婆|外公|阿嬷|阿公|"
          r"他|她|朋友|同事|家人|室友|我)")
MEDICINE = (r"(?:药|片|粒|颗|胶囊|药丸|药水|糖浆|口服液|安眠药|降压药|降糖药|止痛药|退烧药|感冒药|"
            r"抗抑郁药|避孕药|维生素|钙片|铁剂|布洛芬|美林|泰诺|扑热息痛|对乙酰氨基酚|阿莫西林|头孢|"
            r"安定|地西泮|风油精|药膏)")
HAZARD = (r"(?:驱蚊液|纽扣电池|电池|磁铁|磁珠|洗衣液|洗衣凝珠|凝珠|洗洁精|消毒液|消毒水|84|漂白|农药|农要|"
          r"老鼠药|杀虫剂|除草剂|百草枯|敌敌畏|酒精|干燥剂|硬币|异物|花露水|风油精|樟脑丸)")
AMOUNT = (r"(?:一整瓶|整瓶|一瓶|半瓶|一小瓶|一整板|整板|一板|两板|好几板|一整盒|整盒|一盒|一大把|一把|"
          r"好几片|好几颗|好几粒|好多片|好多粒|好多颗|五六片|十几|几十|二十几|三十几|二十多|三十多|\d{2,}|[二三四五六七八九]十几?|十)")
SWALLOW = r"(?:误吞|误服|误食|误吃|误喝|偷吃|偷喝|吞了|吞下|咽下|咽了|吃了|喝了|吃进去|喝进去|咬破|舔了)"

RULES: list[tuple[str, str, re.Pattern]] = [
    ("self_harm", "suicidal", re.compile(
        r"不想活|活不下去|不想再活|没法活了|撑不下去了|不想撑了|活着.{0,4}累.{0,6}不想|自杀|zisha|轻生|寻死|想去死|我想死|想死了|好想死|真想死|"
        r"结束(?:自己的?)?生命|结束这一切|了结自己|了断自己|一了百了|割腕|割.{0,2}手腕|跳楼|跳河|跳桥|跳江|"
        r"跳下去|上吊|烧炭|活着没(?:有)?(?:意思|意义|盼头)|不如死了|死了算了|死了就好|死了一了|"
        r"伤害自己|自残|自伤|划自己|割自己|遗书|最后一句话|最后一条消息|留给这个世界|离开这个世界|"
        r"不想(?:再)?醒来|永远睡着|消失算了|我走了.{0,10}(?:更好|解脱|轻松)|是.{0,4}(?:累赘|负担).{0,10}走了|"
        r"(?:吃|喝|吞)多少.{0,10}(?:能|会|才能)死|怎么死|怎样才能死|怎么才能死|楼顶.{0,10}跳|"
        r"安眠药.{0,8}(?:攒|囤|全吃|一起吃|一次吃|几瓶|多少)|(?:攒|囤)了?.{0,6}安眠药|药都攒|"
        r"想死|吃完.{0,4}解脱|把自己饿死|死了.{0,8}(?:轻松|解脱|更好|比活着好)|死了才能解脱|比活着好|不配活|"
        r"活着.{0,6}(?:有什么意义|受罪|痛苦|是个错误|没希望|没意思)|生无可恋|人间不值得|一睡不醒|"
        r"别再醒|想解脱|只想消失|消失就好|自我了断|先走一步|过了今晚.{0,6}不在|绳子.{0,6}准备好|"
        r"炭.{0,8}(?:买好|准备好)|(?:捅|弄伤|划伤|伤害|划|割|饿死)(?:我)?自己|手腕.{0,2}划|划了.{0,4}手腕|"
        r"(?:大桥|桥上|桥边|天台|楼顶|江边).{0,10}(?:想下去|跳|了$)|站在天台|撞上去算了|想跟着(?:他们|她|他)?去|"
        r"再见了.{0,3}这个世界|最后一次说话|不想继续(?:活)?了|留了?(?:一)?封信|想着死|我走了算了")),
    ("medical_emergency", "swallowed", re.compile(
        rf"{PERSON}.{{0,12}}{SWALLOW}.{{0,10}}{HAZARD}"
        rf"|{CHILD}.{{0,12}}(?:误吞|误服|误食|误吃|误喝|偷吃|偷喝|吞了|吞下|咽下|咽了).{{0,10}}{MEDICINE}"
        rf"|{PERSON}.{{0,8}}把.{{0,16}}(?:{HAZARD}|{MEDICINE}).{{0,12}}(?:吞|吃|喝|咬破|咽|舔)"
        rf"|{MEDICINE}.{{0,4}}当(?:成)?(?:糖|饮料|口服液)|(?:误吞|误服|误食|误喝)(?:了)?"
        rf"|吞了.{{0,6}}(?:纽扣电池|电池|磁铁|磁珠|硬币)")),
    ("medical_emergency", "overdose", re.compile(
        rf"(?:吃|服|喝|吞)了?{AMOUNT}.{{0,8}}(?:{MEDICINE})?|(?:一口气|一次|一下子)(?:吃|服|喝|吞)了?.{{0,4}}{AMOUNT}"
        rf"|{MEDICINE}.{{0,4}}(?:全吃了|全吞了|都吃了|都吞了|一口气吃了|一次吃了)"
        r"|吃(?:多|过量|超量)了.{0,8}(?:药|片|粒)|服药过量|用药过量|过量服用了|吃药过量|药物过量|过量服药")),
    ("medical_emergency", "poisoning", re.compile(
        r"中毒|农[药要]|百草枯|敌敌畏|老鼠药|毒鼠|一氧化碳|煤气(?:中毒|泄漏)|"
        r"喝了.{0,6}(?:洗洁精|消毒液|消毒水|84|漂白|洗衣液|酒精|汽油|清洁剂)|毒蘑菇|吃了.{0,4}蘑菇.{0,8}(?:吐|晕|抽)")),
    ("medical_emergency", "chest_pain", re.compile(
        r"(?:胸|心口|心脏).{0,4}(?:剧痛|绞痛|剧烈|痛得|疼得|好痛|好疼|好通|很痛|很疼|特别痛|特别疼|非常痛|非常疼|"
        r"痛死|疼死|压榨|撕裂|像压了|压着|受不了|喘不)|心梗|心肌梗|心脏病(?:发作|犯了)|"
        r"心绞痛(?:发作|犯了)|心脏(?:骤停|停跳)|心跳(?:停了|没了)")),
    ("medical_emergency", "breathing", re.compile(
        r"喘不上(?:来)?气|喘不过气|上不来气|透不过气|呼吸困[难南]|不能呼吸|无法呼吸|没法呼吸|呼吸不了|没有呼吸|"
        r"停止呼吸|没呼吸|憋得(?:喘|说不|脸)|窒息|噎住|卡住了?喉咙|卡在喉咙|嘴唇.{0,2}(?:发紫|发青|青紫|紫了)|脸色发紫|"
        r"喉咙肿得|喉头水肿|哮喘(?:发作|犯了)")),
    ("medical_emergency", "stroke", re.compile(
        r"嘴.{0,3}歪|口角.{0,3}歪|脸歪|嘴(?:巴)?外了|面瘫了|(?:说话|讲话).{0,3}(?:不清|含糊)|口齿不清|说不出话|突然说不了话|"
        r"(?:半边|左边|右边|一边|一侧)(?:身子|身体|脸|手脚|手|腿|胳膊|肢体).{0,6}(?:麻|没力|无力|不能动|动不了|没知觉|不听使唤)|"
        r"半身不遂|突然(?:看不见|失明|倒地|晕倒|栽倒)|中风|脑卒中|卒中|脑出血|脑梗")),
    ("medical_emergency", "collapse", re.compile(
        r"(?:人|我|他|她|孩子|宝宝|老人|我爸|我妈|爸|妈).{0,3}快不行了|救护车|打120|摸不到心跳|没(?:有)?心跳|"
        r"意识模糊|昏昏沉沉|叫.{0,3}不回应|没有反应|瘫在地上|"
        r"(?:我妈|我爸|老人|人|他|她|老公|老婆|奶奶|爷爷|姥姥|姥爷|外婆|外公)(?:突然)?(?:倒了|倒地|晕倒|栽倒)|"
        r"抬不起来|不会说话了|大舌头|口水.{0,4}流|被蛇咬|蛇咬|流了(?:好多|很多)血|大口血|吐了.{0,4}血|"
        r"脸(?:色)?发青|哭不出声|呛奶.{0,6}(?:发青|发紫)|吃错药|喝错药|吃了双倍|吃了.{0,4}双倍|假酒|甲醇|地上抽|白沫|"
        r"昏迷|叫不醒|喊不醒|不省人事|晕过去|晕倒了|没有意识|失去意识|没意识|抽搐|抽[蓄筋]了|抽风|惊厥|"
        r"癫痫(?:发作|犯了)|羊癫疯|口吐白沫|休克|大出血|血流不止|止不住血|吐血|"
        r"过敏.{0,6}(?:喘不|呼吸困难|休克|喉咙)")),
]

KNOWLEDGE = re.compile(
    r"症状|前兆|征兆|早期|预防|防止|避免|防误|不会被|怎么放|会不会|会.{0,12}吗|能不能|哪款|哪个牌子|怎么选|"
    r"残留|怎么洗|说明书|注意事项|副作用|依赖|报警器|风险|危害|是什么|什么是|为什么会|是真的吗|有哪些|"
    r"科普|原因|如果|万一|假如|要是|假设|一般")
URGENT = re.compile(
    r"刚才|刚刚|现在|正在|已经|救命|急|快不行|怎么办|在吐|吐了|不醒|没反应|要紧吗|赶紧|马上|快回|"
    rf"(?:吞|吃|喝|服)了{AMOUNT}|把.{{0,16}}(?:吞|吃|喝)了")
_NOT_SELF_HARM = re.compile(r"想死你|想死我了|想死(?:它|他|她|宝宝|咪咪|狗狗)了|想死您")


def _simplify(text: str) -> str:
    return to_simplified(to_halfwidth(text or ""))


def detect(text: str) -> Hit | None:
    """The first matching safety rule for this message, or None."""
    if not text:
        return None
    simple = _simplify(text[:4000])
    compact = re.sub(r"[\s,，.。!！?？~、…]+", "", simple)
    knowledge = bool(KNOWLEDGE.search(compact)) and not URGENT.search(compact)
    for intent, rule, pattern in RULES:
        if not (pattern.search(simple) or pattern.search(compact)):
            continue
        if intent == "self_harm":
            if _NOT_SELF_HARM.search(compact) and not re.search(r"不想活|自杀|轻生|割腕|跳楼|结束", compact):
                continue
        elif knowledge:
            continue
        return Hit(intent, rule)
    return None
