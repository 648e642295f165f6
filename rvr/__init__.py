"""Rapid Video Response: eligibility, consent, video links, the call and the officer's outcome."""
