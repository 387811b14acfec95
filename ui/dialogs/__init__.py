"""Dialogs opened from several screens (member details, registration, adjustments)."""
