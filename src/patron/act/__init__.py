"""Collaborative CRM: rules and triggers, campaigns, channels, control groups and uplift."""
