"""The ledger's tables (SQLAlchemy 1.4, 2.0 style).

Money columns end in ``_fen`` and hold integer fen. Times are stored as UTC; SQLite hands them
back naive, so read them through :func:`bot.ledger.clock.as_utc`. Category-specific product facts
(drug labels, pet-food nutrition, diaper size charts) live in ``Product.attributes``.
The schema only changes through the Alembic migrations in ``bot/ledger/migrations``.
"""
from __future__ import annotations

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index,
                        Integer, MetaData, String, Text, UniqueConstraint, text)
from sqlalchemy.orm import declarative_base, relationship

__all__ = [
    "Base", "Policy", "LedgerMeta", "Category", "Customer", "ChannelIdentity", "Product", "Price",
    "Coupon", "Order", "OrderItem", "Shipment", "TrackingEvent", "Claim", "Return", "Refund",
    "TradeInModel", "TradeInQuote", "TradeInQuoteItem", "ServiceTicket", "Pharmacy",
    "PharmacyStock", "Consultation", "Department", "Team", "Agent", "AgentShift", "HandoffTicket",
    "HandoffNote",
    "CHANNELS", "CLAIM_STATUSES",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base = declarative_base(metadata=MetaData(naming_convention=NAMING))

CHANNELS = ("app", "jd_daojia", "jd_live", "jingxi_pinpin")
CLAIM_STATUSES = ("paid", "rejected", "pending")


def _ts(**kw):
    return Column(DateTime(timezone=True), **kw)


class Policy(Base):
    """A policy number: windows in days, thresholds in fen, grade multipliers in percent."""
    __tablename__ = "policy"
    key = Column(String(64), primary_key=True)
    value = Column(Integer, nullable=False)
    note = Column(Text, nullable=False, default="")


class LedgerMeta(Base):
    __tablename__ = "ledger_meta"
    key = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)


class Category(Base):
    """Per-category policy: windows, return rules, the agent team, trade-in subsidy."""
    __tablename__ = "categories"
    code = Column(String(32), primary_key=True)
    name = Column(String(64), nullable=False)
    team = Column(String(32), ForeignKey("teams.code"), nullable=False)
    price_guarantee_days = Column(Integer, nullable=False)
    return_days = Column(Integer, nullable=False)
    # no_reason: 7 days without reason; quality_only: only for a quality problem (medicine)
    return_rule = Column(String(16), nullable=False, default="no_reason")
    opened_returnable = Column(Boolean, nullable=False, default=True)
    exchange_days = Column(Integer)          # diaper size exchange window, when it applies
    replace_days = Column(Integer)           # replace-instead-of-repair window, when it applies
    trade_in_kind = Column(String(16))       # a new item of this category earns a subsidy for
    trade_in_subsidy_fen = Column(Integer, nullable=False, default=0)   # an old one of this kind
    __table_args__ = (CheckConstraint("return_rule in ('no_reason', 'quality_only')", name="return_rule"),)


class Customer(Base):
    __tablename__ = "customers"
    id = Column(Integer, primary_key=True)
    name = Column(String(64), nullable=False)
    phone = Column(String(32), nullable=False)
    trust_score = Column(Integer, nullable=False)
    membership = Column(String(16), nullable=False, default="regular")   # regular | plus
    city = Column(String(32), nullable=False)
    district = Column(String(32), nullable=False)
    created_at = _ts(nullable=False)
    identities = relationship("ChannelIdentity", back_populates="customer")
    orders = relationship("Order", back_populates="customer", order_by="Order.paid_at")


class ChannelIdentity(Base):
    """The customer's account on each sales channel (all resolve to one customer)."""
    __tablename__ = "channel_identities"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    external_id = Column(String(64), nullable=False)
    customer = relationship("Customer", back_populates="identities")
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_channel_identity"),)


class Product(Base):
    __tablename__ = "products"
    id = Column(Integer, primary_key=True)
    sku = Column(String(32), nullable=False, unique=True)
    name = Column(String(128), nullable=False)
    category_code = Column(String(32), ForeignKey("categories.code"), nullable=False, index=True)
    brand = Column(String(64), nullable=False)
    line = Column(String(64))                     # product line (diaper sizes share one line)
    size = Column(String(16))                     # diaper size of this SKU
    is_baby_appliance = Column(Boolean, nullable=False, default=False)
    attributes = Column(JSON, nullable=False, default=dict)
    category = relationship("Category")


class Price(Base):
    """A price that held over a period. ``kind``: public, flash_sale, or new_user (qualified)."""
    __tablename__ = "prices"
    id = Column(Integer, primary_key=True)
    product_id = Column(Integer, ForeignKey("products.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="public")
    price_fen = Column(Integer, nullable=False)
    starts_at = _ts(nullable=False)
    ends_at = _ts()
    __table_args__ = (CheckConstraint("price_fen > 0", name="price_positive"),
                      CheckConstraint("kind in ('public', 'flash_sale', 'new_user')", name="price_kind"))


class Coupon(Base):
    """A coupon for one product. Public coupons count for the coupon price guarantee."""
    __tablename__ = "coupons"
    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    product_id = Column(Integer, ForeignKey("products.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="public")     # public | personal
    value_fen = Column(Integer, nullable=False)
    threshold_fen = Column(Integer, nullable=False, default=0)
    claimable_from = _ts(nullable=False)
    claimable_until = _ts(nullable=False)
    product = relationship("Product")


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    order_no = Column(String(20), nullable=False, unique=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False)          # paid | shipped | delivered | cancelled
    paid_at = _ts(nullable=False)
    promised_at = _ts(nullable=False)
    delivered_at = _ts()
    city = Column(String(32), nullable=False)
    district = Column(String(32), nullable=False)
    customer = relationship("Customer", back_populates="orders")
    items = relationship("OrderItem", back_populates="order", order_by="OrderItem.id")
    shipments = relationship("Shipment", back_populates="order", order_by="Shipment.id")
    __table_args__ = (CheckConstraint("channel in ('app', 'jd_daojia', 'jd_live', 'jingxi_pinpin')",
                                      name="channel"),)


class OrderItem(Base):
    __tablename__ = "order_items"
    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("orders.id"), nullable=False, index=True)
    product_id = Column(Integer, ForeignKey("products.id"), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price_fen = Column(Integer, nullable=False)           # what the shopper paid per unit
    price_kind = Column(String(16), nullable=False, default="public")
    coupon_id = Column(Integer, ForeignKey("coupons.id"))      # the coupon used, if any
    quantity_returned = Column(Integer, nullable=False, default=0)
    order = relationship("Order", back_populates="items")
    product = relationship("Product")
    coupon = relationship("Coupon")
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),
                      CheckConstraint("quantity_returned >= 0 and quantity_returned <= quantity",
                                      name="returned_within_quantity"))


class Shipment(Base):
    __tablename__ = "shipments"
    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("orders.id"), nullable=False, index=True)
    carrier = Column(String(32), nullable=False)
    tracking_no = Column(String(32), nullable=False, unique=True)
    status = Column(String(16), nullable=False)      # in_transit | out_for_delivery | delivered
    order = relationship("Order", back_populates="shipments")
    events = relationship("TrackingEvent", order_by="TrackingEvent.at")


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    id = Column(Integer, primary_key=True)
    shipment_id = Column(Integer, ForeignKey("shipments.id"), nullable=False, index=True)
    at = _ts(nullable=False)
    location = Column(String(64), nullable=False)
    description = Column(String(128), nullable=False)


class Claim(Base):
    """A price-guarantee or coupon claim on one order item.

    ``dedupe_key`` is unique: ``pg:<item>:<lowest price>`` or ``coupon:<item>``, so asking twice
    at the same price (or twice at the same instant) pays once, enforced by the database.
    Rejected claims carry no key.
    """
    __tablename__ = "claims"
    id = Column(Integer, primary_key=True)
    order_item_id = Column(Integer, ForeignKey("order_items.id"), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False)            # price_guarantee | coupon
    status = Column(String(16), nullable=False)          # paid | rejected | pending
    reason = Column(String(32))
    refund_fen = Column(Integer, nullable=False, default=0)
    reference_price_fen = Column(Integer)
    coupon_id = Column(Integer, ForeignKey("coupons.id"))
    dedupe_key = Column(String(64), unique=True)
    created_at = _ts(nullable=False)
    order_item = relationship("OrderItem")
    __table_args__ = (CheckConstraint("status in ('paid', 'rejected', 'pending')", name="status"),
                      CheckConstraint("refund_fen >= 0", name="refund_nonnegative"))


class Return(Base):
    """A return of some units of an order item.

    ``dedupe_key`` (``ret:<request id>``, or ``ret:<item>:<units returned before>``) makes a
    retried request return once.
    """
    __tablename__ = "returns"
    id = Column(Integer, primary_key=True)
    order_item_id = Column(Integer, ForeignKey("order_items.id"), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    quantity = Column(Integer, nullable=False)
    reason = Column(String(16), nullable=False)          # no_reason | quality
    opened = Column(Boolean, nullable=False, default=False)
    status = Column(String(16), nullable=False)          # awaiting_pickup | received | refunded
    refund_fen = Column(Integer, nullable=False)
    # the share of earlier price-guarantee and coupon refunds kept back from this return
    price_claims_deducted_fen = Column(Integer, nullable=False, default=0)
    coupon_claims_deducted_fen = Column(Integer, nullable=False, default=0)
    dedupe_key = Column(String(64), nullable=False, unique=True)
    created_at = _ts(nullable=False)
    received_at = _ts()
    order_item = relationship("OrderItem")


class Refund(Base):
    """Money going back to a shopper: for a claim, or for a return (lightning or standard)."""
    __tablename__ = "refunds"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    claim_id = Column(Integer, ForeignKey("claims.id"), unique=True)
    return_id = Column(Integer, ForeignKey("returns.id"), unique=True)
    kind = Column(String(16), nullable=False)            # claim | lightning | standard
    amount_fen = Column(Integer, nullable=False)
    status = Column(String(16), nullable=False)          # paid | pending
    created_at = _ts(nullable=False)
    expected_by = _ts(nullable=False)
    paid_at = _ts()
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),
                      CheckConstraint("(claim_id is null) <> (return_id is null)", name="one_source"))


class TradeInModel(Base):
    __tablename__ = "trade_in_models"
    id = Column(Integer, primary_key=True)
    device_model = Column(String(64), nullable=False, unique=True)
    category = Column(String(16), nullable=False)        # phone | computer | tablet | appliance
    base_value_fen = Column(Integer, nullable=False)
    aliases = Column(JSON, nullable=False, default=list)


class TradeInQuote(Base):
    __tablename__ = "trade_in_quotes"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    order_id = Column(Integer, ForeignKey("orders.id"))   # the new purchase that earns a subsidy
    status = Column(String(16), nullable=False)           # quoted | booked
    value_fen = Column(Integer, nullable=False)
    subsidy_fen = Column(Integer, nullable=False, default=0)
    valid_until = _ts(nullable=False)
    created_at = _ts(nullable=False)
    booked_at = _ts()
    pickup_at = _ts()
    items = relationship("TradeInQuoteItem", order_by="TradeInQuoteItem.id")


class TradeInQuoteItem(Base):
    __tablename__ = "trade_in_quote_items"
    id = Column(Integer, primary_key=True)
    quote_id = Column(Integer, ForeignKey("trade_in_quotes.id"), nullable=False, index=True)
    model_id = Column(Integer, ForeignKey("trade_in_models.id"), nullable=False)
    grade = Column(String(1), nullable=False)
    value_fen = Column(Integer, nullable=False)
    model = relationship("TradeInModel")


class ServiceTicket(Base):
    """On-site replacement, repair, or diaper size exchange for an order item."""
    __tablename__ = "service_tickets"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    order_item_id = Column(Integer, ForeignKey("order_items.id"), nullable=False, index=True)
    kind = Column(String(24), nullable=False)     # onsite_replacement | repair | diaper_exchange
    status = Column(String(16), nullable=False, default="open")
    detail = Column(JSON, nullable=False, default=dict)
    visit_by = _ts()
    dedupe_key = Column(String(64), unique=True)
    created_at = _ts(nullable=False)
    order_item = relationship("OrderItem")


class Pharmacy(Base):
    """Opening hours are local minutes after midnight; ``open_24h`` overrides them."""
    __tablename__ = "pharmacies"
    id = Column(Integer, primary_key=True)
    name = Column(String(64), nullable=False)
    city = Column(String(32), nullable=False)
    district = Column(String(32), nullable=False, index=True)
    address = Column(String(128), nullable=False)
    open_24h = Column(Boolean, nullable=False, default=False)
    opens_minute = Column(Integer, nullable=False, default=0)
    closes_minute = Column(Integer, nullable=False, default=24 * 60)
    delivery_minutes = Column(Integer, nullable=False)
    stock = relationship("PharmacyStock")


class PharmacyStock(Base):
    __tablename__ = "pharmacy_stock"
    pharmacy_id = Column(Integer, ForeignKey("pharmacies.id"), primary_key=True)
    product_id = Column(Integer, ForeignKey("products.id"), primary_key=True)
    quantity = Column(Integer, nullable=False)
    product = relationship("Product")


class Consultation(Base):
    __tablename__ = "consultations"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    department = Column(String(32), nullable=False)
    symptoms = Column(Text, nullable=False)
    status = Column(String(16), nullable=False, default="booked")
    scheduled_at = _ts(nullable=False)
    created_at = _ts(nullable=False)


class Team(Base):
    __tablename__ = "teams"
    code = Column(String(32), primary_key=True)
    name = Column(String(32), nullable=False)
    around_the_clock = Column(Boolean, nullable=False, default=False)
    topics = Column(JSON, nullable=False, default=list)     # conversation topics routed here


class Department(Base):
    """An online-doctor department and the symptom words that lead to it."""
    __tablename__ = "departments"
    code = Column(String(32), primary_key=True)
    name = Column(String(32), nullable=False)
    keywords = Column(JSON, nullable=False, default=list)


class Agent(Base):
    __tablename__ = "agents"
    id = Column(Integer, primary_key=True)
    login = Column(String(32), nullable=False, unique=True)
    name = Column(String(32), nullable=False)
    team = Column(String(32), ForeignKey("teams.code"), nullable=False)
    role = Column(String(16), nullable=False, default="agent")     # agent | supervisor
    password_hash = Column(String(256), nullable=False)
    shifts = relationship("AgentShift")


class AgentShift(Base):
    """A daily shift in local minutes; ``end_minute`` below ``start_minute`` runs past midnight."""
    __tablename__ = "agent_shifts"
    id = Column(Integer, primary_key=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False, index=True)
    start_minute = Column(Integer, nullable=False)
    end_minute = Column(Integer, nullable=False)


class HandoffTicket(Base):
    """A conversation waiting for (or held by) a human agent. Priority 0 is the most urgent."""
    __tablename__ = "handoff_tickets"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("customers.id"))
    team = Column(String(32), ForeignKey("teams.code"), nullable=False)
    topic = Column(String(32), nullable=False)
    priority = Column(Integer, nullable=False)          # 0 emergency, 1 complaint, 2 the rest
    summary = Column(JSON, nullable=False, default=dict)
    status = Column(String(16), nullable=False)         # queued | claimed | resolved | callback
    agent_id = Column(Integer, ForeignKey("agents.id"))
    created_at = _ts(nullable=False)
    claimed_at = _ts()
    resolved_at = _ts()
    callback_by = _ts()
    # one open ticket per conversation, enforced by the database
    __table_args__ = (Index("uq_handoff_open_conversation", "conversation_id", unique=True,
                            sqlite_where=text("status in ('queued', 'claimed', 'callback')"),
                            postgresql_where=text("status in ('queued', 'claimed', 'callback')")),)


class HandoffNote(Base):
    """An agent's internal note on a handoff ticket: seen in the desk, never by the shopper."""
    __tablename__ = "handoff_notes"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id"), nullable=False, index=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False)
    body = Column(Text, nullable=False)
    created_at = _ts(nullable=False)
    agent = relationship("Agent")
