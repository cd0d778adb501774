"""The waitlist: providers ask to be offered a consultation at a center within dates; a freed
place is held for the oldest matching request and offered to its provider by mail."""
