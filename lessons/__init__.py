"""Curriculum content: the pack format, its loader and validator, and text rendering.

This package is pure: files in, frozen value objects out. It imports nothing from the rest
of Contract Bites.
"""
