"""Tests for issue 4: progressive programmes."""
