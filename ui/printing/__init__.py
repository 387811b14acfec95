"""Printing: the redemption slip (80 mm receipt) through QPrinter, with preview and PDF export."""
