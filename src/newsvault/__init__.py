"""newsvault: a permanent, readable mirror of news feeds.

The library API lives in the stage packages (``archive``, ``fetch``, ``content``,
``site``, ``publish``); ``cli`` is a thin shell over it.
"""

__version__ = "0.1.0"
