"""Test helpers and fakes of the far side of boundaries we do not own."""
