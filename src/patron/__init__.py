"""Patron: customer satisfaction and loyalty, from what customers do and say to what to do next."""

__version__ = "0.1.0"
