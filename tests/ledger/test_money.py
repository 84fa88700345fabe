"""Money: integer fen inside the ledger, two-place yuan strings outside, never a float."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Integer, inspect, text

from bot.ledger import services as sv
from bot.ledger.tables import Base
from bot.money import to_fen, yuan
from tests import factories as f
from tests.conftest import NOW


@pytest.mark.parametrize("fen, text_", [(0, "0.00"), (5, "0.05"), (1230, "12.30"), (12300, "123.00"),
                                        (599900, "5999.00"), (200001, "2000.01"), (-5, "-0.05"),
                                        (-123456, "-1234.56"), (10 ** 12 + 1, "10000000000.01")])
def test_yuan_prints_two_places(fen, text_):
    assert yuan(fen) == text_
    assert to_fen(text_) == fen


@pytest.mark.parametrize("value", [12.3, 0.1, 1.0, Decimal("1.5"), "1.5", None])
def test_yuan_refuses_anything_but_integer_fen(value):
    with pytest.raises(TypeError):
        yuan(value)


@pytest.mark.parametrize("value, fen", [
    ("12.3", 1230), ("12.30", 1230), ("12", 1200), (" 12.30 ", 1230), ("¥12.30", 1230), ("￥1,234.56", 123456),
    ("0.005", 1), ("0.004", 0), ("2.675", 268), ("-1.25", -125), (12, 1200), (0, 0),
    (Decimal("19.99"), 1999), (Decimal("1e2"), 10000), ("2000.01", 200001),
])
def test_to_fen_is_exact(value, fen):
    assert to_fen(value) == fen
    assert type(to_fen(value)) is int


@pytest.mark.parametrize("value", [12.3, 0.1, 2000.0, float("nan"), float("inf")])
def test_to_fen_refuses_floats(value):
    with pytest.raises(TypeError):
        to_fen(value)


@pytest.mark.parametrize("value", ["", "abc", "12,3o", "NaN", "Infinity", "-inf", None, "1.2.3"])
def test_to_fen_refuses_what_is_not_money(value):
    with pytest.raises(ValueError):
        to_fen(value)


def test_every_money_column_is_an_integer_in_the_schema_and_the_database(ledger):
    money = [(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns if c.name.endswith("_fen")]
    assert len(money) >= 15
    assert all(isinstance(Base.metadata.tables[t].columns[c].type, Integer) for t, c in money)
    inspector = inspect(ledger.engine)
    for table, column in money:
        (found,) = [c for c in inspector.get_columns(table) if c["name"] == column]
        assert isinstance(found["type"], Integer), (table, column, found["type"])


def test_stored_amounts_are_integers(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=650)
        o = f.order(s, c, ["L-MB14"], paid_days_ago=5, delivered_days_ago=4)
        f.set_public_price(s, "L-MB14", 599900 - 1230)
        batch = sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW)
        sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert batch.to_dict()["total_refund"] == "12.30"
    with ledger.engine.connect() as conn:
        for sql in ("SELECT refund_fen FROM claims", "SELECT amount_fen FROM refunds ORDER BY id",
                    "SELECT refund_fen FROM returns", "SELECT unit_price_fen FROM order_items"):
            values = conn.execute(text(sql)).scalars().all()
            assert values and all(type(v) is int for v in values), (sql, values)
        assert conn.execute(text("SELECT amount_fen FROM refunds ORDER BY id")).scalars().all() == [1230, 598670]
        if ledger.kind == "sqlite":
            assert set(conn.execute(text("SELECT typeof(amount_fen) FROM refunds")).scalars()) == {"integer"}


def test_records_show_yuan_strings(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line("L-MB14", 3)], paid_days_ago=5)
        f.set_public_price(s, "L-MB14", 599900 - 410)
        batch = sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        item = batch.to_dict()["items"][0]
        assert {k: item[k] for k in ("refund", "paid_price", "current_price")} == \
            {"refund": "12.30", "paid_price": "5999.00", "current_price": "5994.90"}
        assert not any(k.endswith("_fen") for k in item)
        assert item["window_ends"] == (f.days_ago(5) + timedelta(days=30)).isoformat() == "2026-07-13T02:00:00+00:00"


def test_public_keys_do_not_depend_on_a_missing_amount(ledger):
    with ledger.Session() as s:
        # before the catalogue's first prices (400 days before NOW) a food has no price
        advice = sv.recommend_pet_food(session=s, species="cat", age_months=36, now=f.days_ago(500))
        pick = advice.to_dict()["picks"][0]
    assert "price" in pick and "price_fen" not in pick
