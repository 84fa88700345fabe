"""SafetyFirstPolicy: an emergency's first reply never waits on anything.

Rasa's RulePolicy runs an active form before any rule (the "loop happy path" overrules every
other prediction), and the form first calls its validation action on the action server. A
message classified ``medical_emergency`` or ``self_harm`` in the middle of a form would wait on
that call, and get no 120 reply at all if the action server is down. This policy, above
RulePolicy in priority, predicts the domain's reply (``utter_emergency`` / ``utter_self_harm``)
straight after such a message, then ``action_deactivate_loop`` if a form is active; it abstains
otherwise, so the rules go on (``action_escalate_emergency`` raises the ticket).

Its predictions are marked ``is_no_user_prediction`` because the ensemble lets such predictions
(the form's happy path) overrule all others; among those, the higher priority wins.
"""
from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

__all__ = ["SafetyFirstPolicy", "FIRST_REPLY"]

FIRST_REPLY = {"medical_emergency": "utter_emergency", "self_harm": "utter_self_harm"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT,
                          is_trainable=False)
class SafetyFirstPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}        # RulePolicy is 6

    def train(self, training_trackers, domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def _one(self, domain: Domain, action: str) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: dict[str, Any] | None = None,
                                     **kwargs: Any) -> PolicyPrediction:
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        reply = FIRST_REPLY.get(intent)
        latest = tracker.latest_action_name
        if reply and reply in domain.action_names_or_texts:
            if latest == ACTION_LISTEN_NAME:
                return self._one(domain, reply)
            if latest == reply and tracker.active_loop_name:
                return self._one(domain, ACTION_DEACTIVATE_LOOP_NAME)
        return self._prediction(self._default_predictions(domain))
