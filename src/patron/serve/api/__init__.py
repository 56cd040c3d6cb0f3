"""The REST API (``/api``): one router per area, thin routes over ``patron.collect``."""
