"""Social media channel adapters: Meta (Messenger, Instagram, WhatsApp) and X direct messages."""
