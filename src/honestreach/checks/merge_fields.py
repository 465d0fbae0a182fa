"""(being written)"""
from __future__ import annotations
def empty_greeting(message, options):
    return []
