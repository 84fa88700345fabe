"""The entity lexicon, built from the ledger: product names and aliases, brands, drugs,
categories, pet species and needs, trade-in models, districts. Also writes the jieba user
dictionary (``data/jieba/userdict.txt``) so segmentation keeps these words whole.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger import catalogue as cat
from bot.ledger.tables import Category, Customer, Pharmacy, Product, TradeInModel

__all__ = ["Term", "build_lexicon", "lexicon_fingerprint", "dictionary_lines", "lookup_yaml",
           "DICTIONARY_PATH", "LOOKUP_PATH"]

DICTIONARY_PATH = Path(__file__).resolve().parents[2] / "data" / "jieba" / "userdict.txt"
LOOKUP_PATH = Path(__file__).resolve().parents[2] / "data" / "lookups" / "ledger.yml"

# Regular expressions the linear intent model sees as features (``<regex:NAME>``); the entity
# values themselves come from bot.nlu.patterns.
REGEXES = {
    "order_no": r"\d{10,14}",
    "weight": r"\d+(\.\d+)?\s*(kg|KG|公斤|千克|斤)",
    "age": r"[\d一二两三四五六七八九十半]+\s*(岁|个月|周岁)",
    "diaper_size": r"(NB|XXL|XL|L|M|S)(码|号)",
}


@dataclass(frozen=True, order=True)
class Term:
    label: str
    text: str
    value: str


def _districts(session: Session) -> set[str]:
    names = set()
    for (d,) in session.execute(select(Pharmacy.district).distinct()):
        names.add(d)
    for (d,) in session.execute(select(Customer.district).distinct()):
        names.add(d)
    for districts in cat.CITIES.values():
        names.update(districts)
    return names


def build_lexicon(session: Session) -> list[Term]:
    terms: set[Term] = set()

    def add(label, text, value=None):
        text = str(text).strip()
        if len(text) >= 1 and not text.isdigit():
            terms.add(Term(label, text, str(value if value is not None else text)))

    for product in session.execute(select(Product).order_by(Product.id)).scalars():
        a = product.attributes or {}
        add("brand", product.brand)
        if product.category_code.startswith("medicine"):
            generic = a.get("generic_name") or product.name
            add("drug", generic, generic)
            for alias in a.get("aliases", []):
                add("drug", alias, generic)
        else:
            for alias in a.get("aliases", []):
                add("product", alias, product.name)
    for word in cat.GENERIC_PRODUCTS:
        add("product", word)
    for model in session.execute(select(TradeInModel).order_by(TradeInModel.id)).scalars():
        add("product", model.device_model, model.device_model)
        for alias in model.aliases or []:
            if alias not in ("冰箱", "空调", "洗衣机"):
                add("product", alias, model.device_model)
    for category in session.execute(select(Category)).scalars():
        add("category", category.name, category.code)
    for word, code in cat.CATEGORY_WORDS.items():
        add("category", word, code)
    for word, species in cat.SPECIES_WORDS.items():
        add("species", word, species)
    for word, need in cat.PET_NEED_WORDS.items():
        add("pet_need", word, need)
    for district in _districts(session):
        add("district", district, district)
        short = re.sub(r"(新区|区|县)$", "", district)
        if len(short) >= 2 and short != district:
            add("district", short, district)
    # one word, one label: a word that is both a product and a category stays a product
    by_text: dict[str, Term] = {}
    rank = {"drug": 0, "product": 1, "brand": 2, "pet_need": 3, "species": 4, "district": 5,
            "category": 6}
    for term in sorted(terms, key=lambda t: (t.text.lower(), rank[t.label], t.value, t.text)):
        by_text.setdefault(term.text.lower(), term)
    return sorted(by_text.values(), key=lambda t: (t.label, t.text))


def lexicon_fingerprint(terms: list[Term]) -> str:
    blob = json.dumps([(t.label, t.text, t.value) for t in terms], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def dictionary_lines(terms: list[Term]) -> list[str]:
    """jieba user dictionary lines (``word freq``): lexicon words and service terms."""
    words = {t.text for t in terms if " " not in t.text} | set(cat.SERVICE_TERMS)
    return [f"{w} 20000" for w in sorted(words)]


def lookup_yaml(terms: list[Term]) -> str:
    """Rasa lookup tables (one per entity label) and regexes, as features for DIET."""
    lines = ["# Generated from the ledger by `bot nlu dictionary`: do not edit by hand.",
             'version: "3.1"', "nlu:"]
    for label in sorted({t.label for t in terms}):
        lines += [f"- lookup: {label}", "  examples: |"]
        lines += [f"    - {t.text}" for t in terms if t.label == label]
    for name, pattern in REGEXES.items():
        lines += [f"- regex: {name}", "  examples: |", f"    - {pattern}"]
    return "\n".join(lines) + "\n"
