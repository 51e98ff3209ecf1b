"""Pure domain logic: no I/O, no clock, no random ids (they are passed in)."""
