"""Conversation: intents, answer composition, confidence and the handoff decision."""
