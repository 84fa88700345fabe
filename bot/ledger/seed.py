"""The deterministic demo ledger, dated relative to the ledger clock.

``seed_reference`` loads what a retailer configures (policy, categories, teams, catalogue,
prices, trade-in models, pharmacies, agents). ``seed_demo`` adds customers and their orders:
scripted customers whose orders show each service (listed by ``bot demo``) and background
customers with random but repeatable orders (``random.Random(618)``) across all four channels.
Background orders use products whose price never changed, so the scripted figures stay exact.
"""
from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.ledger import catalogue as cat
from bot.ledger.services.handoff import hash_password
from bot.ledger.tables import (Agent, AgentShift, Base, Category, ChannelIdentity, Coupon, Customer,
                               Department, LedgerMeta, Order, OrderItem, Pharmacy, PharmacyStock,
                               Policy, Price, Product, Shipment, Team, TrackingEvent, TradeInModel)

__all__ = ["seed", "seed_reference", "seed_demo", "reset", "DEMO_AGENT_PASSWORD", "SCRIPTED"]

DEMO_AGENT_PASSWORD = "desk-demo-618"
YUAN = 100


def reset(session: Session) -> None:
    """Delete every row (children first); the schema stays."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name != "alembic_version":
            session.execute(delete(table))


def seed(session: Session, now: datetime) -> None:
    """Empty the ledger and load the reference data and the demo customers."""
    reset(session)
    seed_demo(session, seed_reference(session, now))


class _Ctx:
    def __init__(self, session: Session, now: datetime):
        self.s, self.now = session, now.replace(microsecond=0)
        self.products: dict[str, Product] = {}
        self.prices: dict[int, list[Price]] = {}
        self.order_seq = 0
        self.tracking_seq = 0

    def ago(self, days: float, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def public_price(self, sku: str, at: datetime) -> int:
        rows = self.prices[self.products[sku].id]
        return min(p.price_fen for p in rows if p.kind == "public" and p.starts_at <= at
                   and (p.ends_at is None or p.ends_at > at))


def seed_reference(session: Session, now: datetime) -> _Ctx:
    ctx = _Ctx(session, now)
    for key, (value, note) in cat.POLICY.items():
        session.add(Policy(key=key, value=value, note=note))
    for code, name, around, topics in cat.TEAMS:
        session.add(Team(code=code, name=name, around_the_clock=around, topics=topics))
    session.flush()
    for (code, name, team, pg_days, ret_days, rule, opened_ok, exch, repl, kind,
         subsidy) in cat.CATEGORIES:
        session.add(Category(code=code, name=name, team=team, price_guarantee_days=pg_days,
                             return_days=ret_days, return_rule=rule, opened_returnable=opened_ok,
                             exchange_days=exch, replace_days=repl, trade_in_kind=kind,
                             trade_in_subsidy_fen=subsidy))
    for code, name, words in cat.DEPARTMENTS:
        session.add(Department(code=code, name=name, keywords=words))
    session.flush()
    for sku, name, category, brand, price, extra in cat.PRODUCTS:
        attributes = dict(extra.get("attributes", {}))
        if "days_ago" in attributes.get("quality_test", {}):
            test = dict(attributes["quality_test"])
            test["date"] = (ctx.now - timedelta(days=test.pop("days_ago"))).date().isoformat()
            attributes["quality_test"] = test
        if sku in cat.PRODUCT_ALIASES:
            attributes["aliases"] = cat.PRODUCT_ALIASES[sku]
        product = Product(sku=sku, name=name, category_code=category, brand=brand,
                          line=extra.get("line"), size=extra.get("size"),
                          is_baby_appliance=bool(extra.get("baby")), attributes=attributes)
        session.add(product)
        session.flush()
        ctx.products[sku] = product
        row = Price(product_id=product.id, kind="public", price_fen=price * YUAN,
                    starts_at=ctx.ago(400))
        session.add(row)
        ctx.prices[product.id] = [row]
    for model, category, base, aliases in cat.TRADE_IN_MODELS:
        session.add(TradeInModel(device_model=model, category=category,
                                 base_value_fen=base * YUAN, aliases=aliases))
    _pharmacies(ctx)
    _agents(ctx)
    session.add(LedgerMeta(key="seeded_at", value=ctx.now.isoformat()))
    session.flush()
    return ctx


PHARMACIES = [  # city, district, name, 24h, opens, closes (hours), delivery minutes
    ("北京", "朝阳区", "京东大药房（望京店）", True, 0, 24, 30),
    ("北京", "朝阳区", "同仁堂药店（朝阳门店）", False, 8, 22, 45),
    ("北京", "海淀区", "京东大药房（中关村店）", False, 8, 22, 40),
    ("北京", "海淀区", "海王星辰（五道口店）", True, 0, 24, 35),
    ("北京", "东城区", "金象大药房（王府井店）", False, 9, 21, 50),
    ("上海", "浦东新区", "京东大药房（陆家嘴店）", True, 0, 24, 30),
    ("上海", "浦东新区", "益丰大药房（张江店）", False, 8, 22, 45),
    ("上海", "徐汇区", "国大药房（徐家汇店）", True, 0, 24, 35),
    ("上海", "静安区", "华氏大药房（静安寺店）", False, 9, 21, 40),
    ("广州", "天河区", "大参林（天河城店）", True, 0, 24, 30),
    ("广州", "天河区", "老百姓大药房（体育西店）", False, 8, 22, 45),
    ("广州", "越秀区", "采芝林（北京路店）", False, 9, 21, 40),
    ("深圳", "南山区", "海王星辰（科技园店）", True, 0, 24, 35),
    ("深圳", "福田区", "一心堂（华强北店）", False, 8, 22, 40),
    ("成都", "武侯区", "老百姓大药房（武侯祠店）", True, 0, 24, 40),
    ("成都", "武侯区", "一心堂（锦里店）", False, 8, 22, 50),
]


def _pharmacies(ctx: _Ctx) -> None:
    rng = random.Random(120)
    drugs = [p for sku, p in ctx.products.items() if p.category_code.startswith("medicine")]
    for city, district, name, h24, opens, closes, eta in PHARMACIES:
        pharmacy = Pharmacy(name=name, city=city, district=district,
                            address=f"{city}市{district}{name.split('（')[-1].rstrip('）')}附近",
                            open_24h=h24, opens_minute=opens * 60, closes_minute=closes * 60,
                            delivery_minutes=eta)
        ctx.s.add(pharmacy)
        ctx.s.flush()
        for drug in drugs:
            # the 24-hour flagship stores carry everything; others miss a few lines
            if h24 or rng.random() < 0.8:
                ctx.s.add(PharmacyStock(pharmacy_id=pharmacy.id, product_id=drug.id,
                                        quantity=rng.randint(3, 60)))


AGENTS = [  # login, name, team, role, shifts (local hours; end below start runs past midnight)
    ("general01", "李静（综合）", "general", "agent", [(0, 8)]),
    ("general02", "王强（综合）", "general", "agent", [(8, 16)]),
    ("general03", "赵丽（综合）", "general", "agent", [(16, 24)]),
    ("general04", "孙磊（综合）", "general", "agent", [(9, 21)]),
    ("supervisor01", "周敏（主管）", "general", "supervisor", [(9, 18)]),
    ("appliances01", "吴刚（家电）", "appliances", "agent", [(9, 18)]),
    ("appliances02", "郑红（家电）", "appliances", "agent", [(12, 21)]),
    ("phones01", "冯涛（数码）", "phones_digital", "agent", [(9, 18)]),
    ("phones02", "陈雪（数码）", "phones_digital", "agent", [(12, 22)]),
    ("baby01", "褚燕（母婴）", "baby", "agent", [(8, 20)]),
    ("baby02", "卫芳（母婴）", "baby", "agent", [(10, 22)]),
    ("pharmacy01", "蒋医生（药师）", "pharmacy", "agent", [(8, 20)]),
    ("pharmacy02", "沈药师（药师）", "pharmacy", "agent", [(20, 2)]),
    ("pets01", "韩宇（宠物）", "pets", "agent", [(10, 19)]),
    ("beauty01", "杨柳（美妆）", "beauty", "agent", [(10, 19)]),
    ("sports01", "朱峰（运动）", "sports", "agent", [(10, 19)]),
]


def _agents(ctx: _Ctx) -> None:
    for login, name, team, role, shifts in AGENTS:
        salt = hashlib.sha256(login.encode()).digest()[:16]
        agent = Agent(login=login, name=name, team=team, role=role,
                      password_hash=hash_password(DEMO_AGENT_PASSWORD, salt=salt))
        ctx.s.add(agent)
        ctx.s.flush()
        for start, end in shifts:
            ctx.s.add(AgentShift(agent_id=agent.id, start_minute=start * 60,
                                 end_minute=(end % 24) * 60 if end != 24 else 24 * 60))


# Scripted customers: id, name, trust score, membership, city, district
SCRIPTED = [
    (1001, "张伟", 820, "plus", "北京", "朝阳区"),
    (1002, "王芳", 650, "regular", "上海", "浦东新区"),
    (1003, "李娜", 760, "plus", "北京", "海淀区"),
    (1004, "刘洋", 710, "regular", "上海", "徐汇区"),
    (1005, "陈静", 730, "plus", "广州", "天河区"),
    (1006, "杨磊", 690, "regular", "北京", "朝阳区"),
    (1007, "赵敏", 705, "regular", "深圳", "南山区"),
    (1008, "周杰", 700, "regular", "成都", "武侯区"),
    (1009, "吴倩", 699, "regular", "上海", "静安区"),
    (1010, "郑浩", 900, "plus", "广州", "越秀区"),
]
BACKGROUND_NAMES = ["黄磊", "徐娟", "孙婷", "胡斌", "朱琳", "高峰", "林晓", "何敏", "郭亮", "马丽",
                    "罗晨", "梁静", "宋涛", "谢雨"]
CHANNELS = ("app", "jd_daojia", "jd_live", "jingxi_pinpin")
CHANGED = {"L-MB14", "P-IP15", "A-MI-ROBOT", "S-ESTEE", "A-HAIER-FR", "A-DYSON-V12"}


def _order_no(ctx: _Ctx) -> str:
    ctx.order_seq += 1
    digest = int(hashlib.sha256(f"order-{ctx.order_seq}".encode()).hexdigest(), 16)
    return f"3{digest % 10**10:010d}{ctx.order_seq % 10}"


def _order(ctx: _Ctx, customer: Customer, paid_days_ago: float, lines, *, channel="app",
           delivered_days_ago: float | None = None, status: str | None = None) -> Order:
    """``lines``: (sku, quantity, unit price in fen or None for the public price, price kind,
    coupon or None)."""
    paid = ctx.ago(paid_days_ago)
    promised = paid + timedelta(days=2)
    delivered = ctx.ago(delivered_days_ago) if delivered_days_ago is not None else None
    if status is None:
        status = "delivered" if delivered else ("shipped" if paid < ctx.ago(0, 6) else "paid")
    order = Order(order_no=_order_no(ctx), customer_id=customer.id, channel=channel, status=status,
                  paid_at=paid, promised_at=promised, delivered_at=delivered, city=customer.city,
                  district=customer.district)
    ctx.s.add(order)
    ctx.s.flush()
    for line in lines:
        sku, qty, price, kind, coupon = (*line, None, None, None)[:5]
        unit = price if price is not None else ctx.public_price(sku, paid)
        ctx.s.add(OrderItem(order_id=order.id, product_id=ctx.products[sku].id, quantity=qty,
                            unit_price_fen=unit, price_kind=kind or "public",
                            coupon_id=coupon.id if coupon else None))
    if status in ("shipped", "delivered"):
        _shipment(ctx, order, paid, delivered)
    ctx.s.flush()
    return order


def _shipment(ctx: _Ctx, order: Order, paid: datetime, delivered: datetime | None) -> None:
    ctx.tracking_seq += 1
    shipment = Shipment(order_id=order.id, carrier="京东物流", tracking_no=f"JDV{ctx.tracking_seq:012d}",
                        status="delivered" if delivered else "in_transit")
    ctx.s.add(shipment)
    ctx.s.flush()
    steps = [(paid + timedelta(hours=2), f"{order.city}亚洲一号仓", "您的订单已出库，京东快递已揽收"),
             (paid + timedelta(hours=9), f"{order.city}分拣中心", "快件已到达分拣中心，正在分拣"),
             (paid + timedelta(hours=20), f"{order.city}{order.district}营业部", "快件已到达营业部，配送员正在为您派送")]
    if delivered:
        steps.append((delivered, f"{order.city}{order.district}", "您的订单已签收，感谢您使用京东物流"))
    for at, where, text in steps:
        if at <= ctx.now:
            ctx.s.add(TrackingEvent(shipment_id=shipment.id, at=at, location=where, description=text))


def _set_public_price(ctx: _Ctx, sku: str, price_yuan: int, days_ago: float) -> None:
    product = ctx.products[sku]
    at = ctx.ago(days_ago)
    for row in ctx.prices[product.id]:
        if row.kind == "public" and row.ends_at is None:
            row.ends_at = at
    row = Price(product_id=product.id, kind="public", price_fen=price_yuan * YUAN, starts_at=at)
    ctx.s.add(row)
    ctx.prices[product.id].append(row)


def _special_price(ctx: _Ctx, sku: str, kind: str, price_yuan: int, start_ago: float,
                   end_in_days: float) -> None:
    product = ctx.products[sku]
    row = Price(product_id=product.id, kind=kind, price_fen=price_yuan * YUAN,
                starts_at=ctx.ago(start_ago), ends_at=ctx.now + timedelta(days=end_in_days))
    ctx.s.add(row)
    ctx.prices[product.id].append(row)


def _customer(ctx, cid, name, trust, membership, city, district, rng) -> Customer:
    phone = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
    customer = Customer(id=cid, name=name, phone=phone, trust_score=trust, membership=membership,
                        city=city, district=district, created_at=ctx.ago(rng.randint(200, 2000)))
    ctx.s.add(customer)
    ctx.s.flush()
    ctx.s.add(ChannelIdentity(customer_id=cid, channel="app", external_id=f"jd_{cid}"))
    for channel in rng.sample(CHANNELS[1:], rng.randint(1, 3)):
        ctx.s.add(ChannelIdentity(customer_id=cid, channel=channel, external_id=f"{channel}_{cid}"))
    return customer


def seed_demo(session: Session, ctx: _Ctx) -> None:
    """Customers and orders, on top of what ``seed_reference`` returned."""
    rng = random.Random(618)
    customers = {}
    for cid, name, trust, member, city, district in SCRIPTED:
        customers[cid] = _customer(ctx, cid, name, trust, member, city, district, rng)
    cities = list(cat.CITIES.items())
    for n, name in enumerate(BACKGROUND_NAMES):
        city, districts = cities[n % len(cities)]
        customers[1011 + n] = _customer(ctx, 1011 + n, name, rng.randint(520, 950),
                                        rng.choice(["regular", "regular", "plus"]), city,
                                        districts[n % len(districts)], rng)
    _scripted_orders(ctx, customers)
    _background_orders(ctx, customers, rng)
    session.flush()


def _scripted_orders(ctx: _Ctx, c: dict[int, Customer]) -> None:
    p = ctx.products
    # 1001 张伟: a price drop, a missed coupon, a lightning refund, a parcel on its way
    _order(ctx, c[1001], 10, [("L-MB14", 1)], channel="app", delivered_days_ago=8)
    _set_public_price(ctx, "L-MB14", 5499, 3)
    coupon = Coupon(code="DYSON200", product_id=p["A-DYSON-V12"].id, kind="public",
                    value_fen=200 * YUAN, threshold_fen=3000 * YUAN,
                    claimable_from=ctx.ago(7), claimable_until=ctx.ago(2))
    ctx.s.add(Coupon(code="DYSON-NEWUSER", product_id=p["A-DYSON-V12"].id, kind="personal",
                     value_fen=300 * YUAN, threshold_fen=0, claimable_from=ctx.ago(30),
                     claimable_until=ctx.now + timedelta(days=30)))
    ctx.s.add(coupon)
    ctx.s.flush()
    _order(ctx, c[1001], 5, [("A-DYSON-V12", 1)], channel="jd_live", delivered_days_ago=3)
    _order(ctx, c[1001], 3, [("X-LINING-RUN", 1)], channel="jd_daojia", delivered_days_ago=2)
    _order(ctx, c[1001], 0.8, [("F-APTA-2", 2)], channel="app")
    # 1002 王芳 (trust 650): standard refund; a phone price drop after its 15-day window
    _order(ctx, c[1002], 4, [("S-LANCOME", 1)], channel="app", delivered_days_ago=2)
    _order(ctx, c[1002], 20, [("P-IP15", 1)], channel="app", delivered_days_ago=18)
    _set_public_price(ctx, "P-IP15", 5699, 2)
    # 1003 李娜: a breast pump with a fault (100 days), diapers a size too small
    _order(ctx, c[1003], 102, [("B-PIGEON-PUMP", 1)], channel="app", delivered_days_ago=100)
    _order(ctx, c[1003], 22, [("D-MRS-M", 3)], channel="jingxi_pinpin", delivered_days_ago=20)
    _order(ctx, c[1003], 60, [("B-BEAR-STER", 1), ("F-FEIHE-1", 2)],
           channel="app", delivered_days_ago=58)
    # 1004 刘洋: a new phone bought; old ones to trade in
    _order(ctx, c[1004], 2, [("P-MI14", 1)], channel="app", delivered_days_ago=1)
    # 1005 陈静: a cat owner
    _order(ctx, c[1005], 40, [("PF-RC-INDOOR", 2)], channel="jd_daojia", delivered_days_ago=39)
    _order(ctx, c[1005], 9, [("PF-RC-INDOOR", 1)], channel="jd_daojia", delivered_days_ago=8)
    # 1006 杨磊: buys medicine
    _order(ctx, c[1006], 6, [("M-FENBID", 1), ("M-LHQW", 2)], channel="jd_daojia", delivered_days_ago=5.9)
    # 1007 赵敏: a flash-sale purchase, a new-user price, a drop that pays despite a flash sale
    _order(ctx, c[1007], 6, [("A-MI-ROBOT", 1, 1599 * YUAN, "flash_sale")], channel="jd_live",
           delivered_days_ago=4)
    _set_public_price(ctx, "A-MI-ROBOT", 1899, 2)
    _order(ctx, c[1007], 8, [("S-ESTEE", 1)], channel="app", delivered_days_ago=6)
    _special_price(ctx, "S-ESTEE", "new_user", 799, 1, 5)
    _order(ctx, c[1007], 12, [("A-HAIER-FR", 1)], channel="app", delivered_days_ago=10)
    _set_public_price(ctx, "A-HAIER-FR", 3799, 6)
    _special_price(ctx, "A-HAIER-FR", "flash_sale", 3499, 0.5, 1)
    # 1008 周杰 (trust 700): lightning at the boundary; 1009 吴倩 (699): standard
    _order(ctx, c[1008], 3, [("T-MATEPAD", 1)], channel="app", delivered_days_ago=2)
    _order(ctx, c[1009], 3, [("X-DECATHLON-TENT", 1)], channel="jingxi_pinpin", delivered_days_ago=2)
    # 1010 郑浩 (trust 900): a refund over 2,000 yuan waits for the warehouse
    _order(ctx, c[1010], 4, [("A-GREE-AC", 1)], channel="app", delivered_days_ago=3)


def _background_orders(ctx: _Ctx, customers: dict[int, Customer], rng: random.Random) -> None:
    stable = [sku for sku in ctx.products if sku not in CHANGED]
    for cid, customer in customers.items():
        scripted = cid <= 1010
        for _ in range(rng.randint(8, 11)):
            # scripted customers' background orders are old enough to stay out of their demos
            paid_ago = rng.uniform(40, 120) if scripted else rng.uniform(0.3, 120)
            lines = [(sku, rng.randint(1, 2)) for sku in rng.sample(stable, rng.choice((1, 1, 2, 3)))]
            deliver_after = rng.uniform(0.5, 3)
            if paid_ago - deliver_after > 0.1:
                status, delivered = None, paid_ago - deliver_after
                if rng.random() < 0.03:
                    status, delivered = "cancelled", None
            else:
                status, delivered = None, None
            _order(ctx, customer, paid_ago, lines, channel=rng.choice(CHANNELS),
                   delivered_days_ago=delivered, status=status)
