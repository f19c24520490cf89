"""Every channel (email, portal, chat, social) feeds tickets through one intake service (intake.py)."""
