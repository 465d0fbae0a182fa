"""(being written)"""
from __future__ import annotations
def shouting(message, options):
    return []
def exclamation_overload(message, options):
    return []
def emoji_overload(message, options):
    return []
