from sqlalchemy import func, select

from bot.ledger.tables import Customer, Order
from tests.conftest import NOW


def test_demo_ledger_has_customers_and_orders(demo_ledger):
    with demo_ledger.Session() as s:
        assert s.execute(select(func.count(Customer.id))).scalar_one() >= 20
        assert s.execute(select(func.count(Order.id))).scalar_one() >= 200
        channels = set(s.execute(select(Order.channel).distinct()).scalars())
    assert channels == {"app", "jd_daojia", "jd_live", "jingxi_pinpin"}
    assert NOW.tzinfo is not None
