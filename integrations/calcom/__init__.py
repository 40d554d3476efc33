"""Cal.com: webhook verification and payloads (the booking app uses them)."""
