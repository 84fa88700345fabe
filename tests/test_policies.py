"""SafetyFirstPolicy: the emergency reply comes first, even in the middle of a form, without
waiting on the form's validation action (which needs the action server)."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies import SafetyFirstPolicy

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain"))


@pytest.fixture
def policy(tmp_path) -> SafetyFirstPolicy:
    storage = LocalModelStorage(tmp_path)
    return SafetyFirstPolicy.create(SafetyFirstPolicy.get_default_config(), storage,
                                    Resource("safety"), ExecutionContext(GraphSchema({}), "test"))


def _tracker(domain, *events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("c1", [ActionExecuted("action_listen"), *events],
                                            slots=domain.slots)


def _predicted(policy, tracker, domain):
    prediction = policy.predict_action_probabilities(tracker, domain)
    if prediction.max_confidence == 0:
        return None
    assert prediction.is_no_user_prediction and prediction.policy_priority > 6
    return domain.action_names_or_texts[prediction.max_confidence_index]


def _user(intent):
    return UserUttered("...", intent={"name": intent, "confidence": 1.0})


@pytest.mark.parametrize("intent,reply", [("medical_emergency", "utter_emergency"),
                                          ("self_harm", "utter_self_harm")])
def test_mid_form_the_reply_then_the_form_ends(policy, domain, intent, reply):
    form = next(iter(domain.forms))
    tracker = _tracker(domain, ActiveLoop(form), ActionExecuted(form), ActionExecuted("action_listen"),
                       _user(intent))
    assert _predicted(policy, tracker, domain) == reply
    tracker.update(ActionExecuted(reply))
    assert _predicted(policy, tracker, domain) == "action_deactivate_loop"
    tracker.update(ActionExecuted("action_deactivate_loop"))
    tracker.update(ActiveLoop(None))
    assert _predicted(policy, tracker, domain) is None      # the rules escalate to a human


def test_without_a_form_only_the_first_reply(policy, domain):
    tracker = _tracker(domain, _user("medical_emergency"))
    assert _predicted(policy, tracker, domain) == "utter_emergency"
    tracker.update(ActionExecuted("utter_emergency"))
    assert _predicted(policy, tracker, domain) is None


@pytest.mark.parametrize("intent", ["greet", "order_status", "inform", "nlu_fallback"])
def test_abstains_for_everything_else(policy, domain, intent):
    assert _predicted(policy, _tracker(domain, _user(intent)), domain) is None
