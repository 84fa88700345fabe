"""The agent desk (``/desk``) and the shopper's web chat page (``/chat``): a small aiohttp app
started by ``bot run`` beside Rasa and the action server. See :mod:`bot.desk.app`.

Nothing here imports Rasa (it costs seconds); the Rasa side of the web chat is ``bot.webchat``.
"""
