"""Operational CRM: the store, importers, survey intake and the complaint workflow."""
