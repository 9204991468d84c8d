"""Tests for the exercise library: sync, commands, pages and clinic-made exercises."""
