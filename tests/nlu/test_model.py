"""The trained product model (models/product.tar.gz, trained by `make test` when stale)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

MODEL = Path(__file__).resolve().parents[2] / "models" / "product.tar.gz"


@pytest.fixture(scope="module")
def parse():
    assert MODEL.exists(), "no trained model: `make test` trains it before the tests"
    from rasa.core.agent import Agent
    agent = Agent.load(str(MODEL))
    loop = asyncio.new_event_loop()
    yield lambda text: loop.run_until_complete(agent.parse_message(text))
    loop.close()


def test_traditional_and_simplified_get_the_same_intent_and_the_script_is_kept(parse):
    simple, trad = parse("我的订单到哪了"), parse("我的訂單到哪了")
    assert simple["intent"]["name"] == trad["intent"]["name"] == "order_status"
    assert simple["script"] == "simplified" and trad["script"] == "traditional"
    assert trad["original_text"] == "我的訂單到哪了"


def test_entity_offsets_hold_in_the_original_text(parse):
    text = "訂單389771735911的吸奶器壞了，寶寶12斤"
    result = parse(text)
    found = {e["entity"]: e for e in result["entities"]}
    assert found["order_no"]["value"] == "389771735911"
    assert text[found["order_no"]["start"]:found["order_no"]["end"]] == "389771735911"
    assert text[found["weight"]["start"]:found["weight"]["end"]] == "12斤"
    assert found["weight"]["value"] == "6"
    assert "吸奶器" in found["product"]["value"]


@pytest.mark.parametrize("text, intent", [("孩子誤吞了藥", "medical_emergency"),
                                          ("我胸口好痛喘不上气", "medical_emergency"),
                                          ("我不想活了", "self_harm")])
def test_safety_overrides_the_classifier(parse, text, intent):
    result = parse(text)
    assert result["intent"]["name"] == intent
    assert result["intent"]["confidence"] == 1.0
    assert result["safety"]["intent"] == intent


def test_ledger_entities_have_normalised_values(parse):
    result = parse("我家猫咪3岁半了泌尿不好，布洛芬能送到朝阳吗")
    values = {e["entity"]: e["value"] for e in result["entities"]}
    assert values["species"] == "cat"
    assert values["age"] == "42"
    assert values["pet_need"] == "urinary"
    assert values["drug"] == "布洛芬"
    assert values["district"] == "朝阳区"


@pytest.mark.parametrize("text", ["", "😀😀😀", "价" * 20_000, "？？？", "asdfghjkl"])
def test_odd_input_parses(parse, text):
    result = parse(text)
    assert "intent" in result


def test_faq_goes_to_the_response_selector(parse):
    result = parse("你们支持货到付款吗")
    assert result["intent"]["name"] == "faq"
    key = result["response_selector"]["faq"]["response"]["intent_response_key"]
    assert key == "faq/payment_methods"


def test_the_faq_answer_comes_from_the_linear_model_when_it_is_sure_and_has_rasas_shape(parse):
    result = parse("客服几点下班")
    assert result["intent"]["name"] == "faq"
    selected = result["response_selector"]["faq"]
    assert selected["response"]["intent_response_key"] == "faq/service_hours"
    assert selected["response"]["utter_action"] == "utter_faq/service_hours"
    assert selected["response"]["responses"] and selected["response"]["responses"][0]["text"]
    assert selected["response"]["confidence"] >= 0.8
    assert {r["intent_response_key"] for r in selected["ranking"]} >= {"faq/service_hours"}
    assert "faq" in result["response_selector"]["all_retrieval_intents"]


def test_the_network_decides_where_the_linear_faq_model_is_unsure(monkeypatch):
    """With the gate above any probability, every FAQ goes to Rasa's network, which answers in
    the same shape."""
    from rasa.core.agent import Agent
    from bot.nlu.components import FaqResponseSelector
    defaults = FaqResponseSelector.get_default_config()
    monkeypatch.setattr(FaqResponseSelector, "get_default_config",
                        staticmethod(lambda: {**defaults, "linear_gate": 1.01}))
    agent = Agent.load(str(MODEL))
    result = asyncio.new_event_loop().run_until_complete(agent.parse_message("你们支持货到付款吗"))
    assert result["intent"]["name"] == "faq"
    assert result["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/payment_methods"
