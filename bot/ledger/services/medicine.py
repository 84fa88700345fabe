"""用药咨询 (medication questions), 药急送 (urgent medicine delivery) and 在线问诊 (online doctor).

Medication answers come only from the label facts held in the ledger and never state a
quantity: how much is always "按说明书或遵医嘱" and a pharmacist. A child, a pregnancy or several
drugs at once go to a pharmacist. Delivery: pharmacies of the shopper's district with the drug
in stock and open now (at night only 24-hour ones), with their delivery estimate; Rx drugs need a
prescription.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.clock import as_utc, local
from bot.ledger.errors import InvalidRequest, NotFound
from bot.ledger.services.common import Record, get_customer, policy, resolve_now
from bot.ledger.tables import Consultation, Department, Pharmacy, PharmacyStock, Product

__all__ = ["DrugFacts", "MedicationAnswer", "PharmacyOption", "DeliveryOutcome",
           "ConsultationOutcome", "QuestionReading", "find_drug", "medication_answer",
           "read_medication_question", "find_pharmacies", "book_consultation",
           "book_consultation_once", "department_for", "match_department", "is_night",
           "MEDICINE_CATEGORIES", "LABEL_TOPICS", "QUESTION_TOPICS", "CHILD_UNDER_MONTHS"]

MEDICINE_CATEGORIES = ("medicine_otc", "medicine_rx")
LABEL_TOPICS = ("indications", "usage", "contraindications", "interactions", "storage",
                "side_effects")
QUESTION_TOPICS = (*LABEL_TOPICS, "dose", "rx")

# What a medication question asks, read from its words: checked in this order, first hit wins
# (a dose question is a dose question even when it also says 能吃吗).
_TOPIC_WORDS = (
    ("dose", ("几粒", "几片", "几袋", "几颗", "几丸", "几次", "几毫升", "多少", "剂量", "用量",
              "一次吃", "一次喝", "吃几", "喝几", "最多", "超量", "过量")),
    ("rx", ("处方", "otc")),
    ("interactions", ("一起吃", "一起用", "一起喝", "一块吃", "同时", "合用", "同服", "交替",
                      "相互作用", "间隔", "隔多久", "酒", "西柚")),
    ("side_effects", ("副作用", "不良反应", "犯困", "嗜睡", "伤肝", "伤胃", "伤肾", "上瘾", "依赖")),
    ("storage", ("保存", "储存", "存放", "放多久", "保质期", "过期", "开封", "冷藏", "冰箱")),
    ("usage", ("怎么吃", "怎么用", "怎么服", "怎么喝", "怎么冲", "饭前", "饭后", "睡前", "空腹",
               "用法", "吞服", "嚼")),
    ("contraindications", ("禁忌", "禁用", "慎用", "不能吃", "能不能吃", "能吃吗", "可以吃吗",
                           "能用吗", "能喝吗", "可以用吗", "过敏", "不适用", "注意")),
    ("indications", ("治", "适应症", "适应证", "功效", "作用", "用于", "管用", "有用", "有效",
                     "效果", "干什么", "干嘛")),
)
_CHILD_WORDS = ("孩子", "宝宝", "儿童", "小孩", "婴儿", "幼儿", "小儿", "儿子", "女儿", "小朋友",
                "新生儿", "宝贝")
_PREGNANCY_WORDS = ("孕", "哺乳", "喂奶", "母乳", "月子")
CHILD_UNDER_MONTHS = 18 * 12     # an age below this (from the age entity, in months) is a child


@dataclass
class DrugFacts(Record):
    sku: str
    name: str
    generic_name: str
    rx: bool
    indications: str
    usage: str
    contraindications: str
    interactions: str
    storage: str
    side_effects: str


@dataclass
class MedicationAnswer(Record):
    drug: DrugFacts | None
    topic: str
    answer: str | None               # the label fact for the topic, never a quantity
    pharmacist_needed: bool
    reasons: list[str] = field(default_factory=list)   # child, pregnancy, several_drugs, dose, unknown_drug


@dataclass
class QuestionReading(Record):
    topic: str | None                # one of QUESTION_TOPICS, or None when the words name none
    for_child: bool
    pregnant: bool


@dataclass
class PharmacyOption(Record):
    pharmacy_id: int
    name: str
    district: str
    address: str
    open_24h: bool
    delivery_minutes: int
    eta: datetime


@dataclass
class DeliveryOutcome(Record):
    drug: str
    district: str
    night: bool
    rx: bool
    prescription_needed: bool
    options: list[PharmacyOption] = field(default_factory=list)
    reason: str | None = None        # no_stock_in_district, none_open_now, prescription_required


@dataclass
class ConsultationOutcome(Record):
    consultation_id: int
    department: str
    department_name: str
    scheduled_at: datetime


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", str(text or "")).lower()


def find_drug(session: Session, text: str) -> Product | None:
    """A medicine by name, generic name, brand name or alias (exact, then contained)."""
    wanted = _norm(text)
    if not wanted:
        return None
    drugs = list(session.execute(select(Product).where(Product.category_code.in_(MEDICINE_CATEGORIES))
                                 .order_by(Product.id)).scalars())

    def names(p):
        a = p.attributes or {}
        return [p.name, a.get("generic_name", ""), *a.get("aliases", [])]

    for p in drugs:
        if any(_norm(n) == wanted for n in names(p) if n):
            return p
    for p in drugs:
        if any(_norm(n) and (_norm(n) in wanted or wanted in _norm(n)) for n in names(p)):
            return p
    return None


def _facts(product: Product) -> DrugFacts:
    a = product.attributes or {}
    return DrugFacts(sku=product.sku, name=product.name, generic_name=a.get("generic_name", ""),
                     rx=product.category_code == "medicine_rx",
                     **{t: a.get(t, "") for t in LABEL_TOPICS})


def medication_answer(*, session: Session, drug: str, topic: str = "indications",
                      for_child: bool = False, pregnant: bool = False,
                      other_drugs: list[str] | tuple = ()) -> MedicationAnswer:
    """The label fact for ``topic``; ``dose`` questions get no number, only the label's wording
    and a pharmacist. Children, pregnancy and several drugs are for a pharmacist."""
    if topic not in (*LABEL_TOPICS, "dose", "rx"):
        raise InvalidRequest(f"topic must be one of {LABEL_TOPICS + ('dose', 'rx')}")
    product = find_drug(session, drug)
    reasons = []
    if for_child:
        reasons.append("child")
    if pregnant:
        reasons.append("pregnancy")

    def same(other: str) -> bool:
        if _norm(other) == _norm(drug):
            return True
        found = find_drug(session, other)
        return product is not None and found is not None and found.id == product.id

    if [d for d in other_drugs if _norm(d) and not same(d)]:
        reasons.append("several_drugs")
    if product is None:
        return MedicationAnswer(None, topic, None, True, reasons + ["unknown_drug"])
    facts = _facts(product)
    if topic == "dose":
        reasons.append("dose")
        answer = facts.usage
    elif topic == "rx":
        answer = None
    else:
        answer = getattr(facts, topic)
    return MedicationAnswer(facts, topic, answer, bool(reasons), reasons)


def read_medication_question(text: str, *, age_months: int | str | None = None) -> QuestionReading:
    """What a shopper's medication question is about (a label topic, a dose, Rx status) and
    whether it concerns a child (by its words, or an age under ``CHILD_UNDER_MONTHS``) or a
    pregnancy or breastfeeding: those go to a pharmacist."""
    words = _norm(text)
    topic = next((t for t, keys in _TOPIC_WORDS if any(k in words for k in keys)), None)
    try:
        young = age_months is not None and int(float(age_months)) < CHILD_UNDER_MONTHS
    except (TypeError, ValueError):
        young = False
    return QuestionReading(topic=topic,
                           for_child=young or any(k in words for k in _CHILD_WORDS),
                           pregnant=any(k in words for k in _PREGNANCY_WORDS))


def is_night(session: Session, now: datetime) -> bool:
    minute = local(now).hour * 60 + local(now).minute
    start, end = policy(session, "night_start_minute"), policy(session, "night_end_minute")
    return minute >= start or minute < end


def _open_at(pharmacy: Pharmacy, now: datetime) -> bool:
    if pharmacy.open_24h:
        return True
    t = local(now)
    minute = t.hour * 60 + t.minute
    return pharmacy.opens_minute <= minute < pharmacy.closes_minute


def find_pharmacies(*, session: Session, drug: str, district: str, has_prescription: bool = False,
                    now: datetime | None = None) -> DeliveryOutcome:
    now = resolve_now(now)
    product = find_drug(session, drug)
    if product is None:
        raise NotFound("no such medicine in the catalogue")
    district = str(district or "").strip()
    if not district:
        raise InvalidRequest("which district should it go to?")
    night = is_night(session, now)
    rx = product.category_code == "medicine_rx"
    out = DeliveryOutcome(drug=product.name, district=district, night=night, rx=rx,
                          prescription_needed=rx and not has_prescription)
    rows = session.execute(
        select(Pharmacy).join(PharmacyStock)
        .where(PharmacyStock.product_id == product.id, PharmacyStock.quantity > 0,
               (Pharmacy.district == district) | (Pharmacy.district + "区" == district)
               | (Pharmacy.district == district + "区"))
        .order_by(Pharmacy.delivery_minutes, Pharmacy.id)).scalars().all()
    if not rows:
        out.reason = "no_stock_in_district"
        return out
    for pharmacy in rows:
        if (night and not pharmacy.open_24h) or not _open_at(pharmacy, now):
            continue
        out.options.append(PharmacyOption(pharmacy.id, pharmacy.name, pharmacy.district,
                                          pharmacy.address, pharmacy.open_24h,
                                          pharmacy.delivery_minutes,
                                          now + timedelta(minutes=pharmacy.delivery_minutes)))
    if not out.options:
        out.reason = "none_open_now"
    elif out.prescription_needed:
        out.reason = "prescription_required"
    return out


def department_for(session: Session, symptoms: str) -> Department:
    text = str(symptoms or "")
    departments = list(session.execute(select(Department).order_by(Department.code)).scalars())
    best = max(departments, key=lambda d: sum(text.count(k) for k in d.keywords), default=None)
    if best is None:
        raise NotFound("no departments in the ledger")
    if not any(k in text for k in best.keywords):
        best = session.get(Department, "general_medicine") or best
    return best


def match_department(session: Session, symptoms: str) -> Department | None:
    """The department whose symptom words (or name: 儿科, 皮肤科...) the text names most, or None
    when it names none (then it may not describe symptoms at all)."""
    text = str(symptoms or "")
    departments = list(session.execute(select(Department).order_by(Department.code)).scalars())
    scored = [(sum(text.count(k) for k in [*d.keywords, d.name]), d) for d in departments]
    best = max(scored, key=lambda pair: pair[0], default=(0, None))
    return best[1] if best[0] else None


def book_consultation(*, session: Session, customer_id: int, symptoms: str,
                      department: str | None = None, now: datetime | None = None) -> ConsultationOutcome:
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    symptoms = str(symptoms or "").strip()[:1000]
    if not symptoms:
        raise InvalidRequest("describe the symptoms, please")
    dept = session.get(Department, department) if department else department_for(session, symptoms)
    if dept is None:
        raise InvalidRequest("no such department")
    scheduled = now + timedelta(minutes=policy(session, "consultation_wait_minutes"))
    row = Consultation(customer_id=customer.id, department=dept.code, symptoms=symptoms,
                       status="booked", scheduled_at=scheduled, created_at=now)
    session.add(row)
    session.flush()
    return ConsultationOutcome(row.id, dept.code, dept.name, scheduled)


def book_consultation_once(*, session: Session, customer_id: int, symptoms: str,
                           department: str | None = None,
                           now: datetime | None = None) -> ConsultationOutcome:
    """``book_consultation``, safe to retry: the same request again (same customer, department
    and symptoms) while its booking is still waiting returns that booking, not a second one."""
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    text = str(symptoms or "").strip()[:1000]
    if text:
        code = department or department_for(session, text).code
        waiting = session.execute(
            select(Consultation).where(Consultation.customer_id == customer.id,
                                       Consultation.department == code,
                                       Consultation.symptoms == text,
                                       Consultation.status == "booked")
            .order_by(Consultation.id).with_for_update()).scalars().all()
        for row in waiting:
            if as_utc(row.scheduled_at) >= now:
                dept = session.get(Department, row.department)
                return ConsultationOutcome(row.id, row.department, dept.name if dept else row.department,
                                           row.scheduled_at)
    return book_consultation(session=session, customer_id=customer.id, symptoms=text,
                             department=department, now=now)
