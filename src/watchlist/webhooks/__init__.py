"""Notifications to other systems: webhooks an admin configures (`hooks.py`), signed JSON
payloads (`signing.py`), delivered with retries and recorded (`delivery.py`)."""
