"""(being written)"""
from __future__ import annotations
def missing_unsubscribe(message, options):
    return []
def missing_postal_address(message, options):
    return []
