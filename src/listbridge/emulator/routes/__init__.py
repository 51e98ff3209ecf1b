"""One router per API area; ``app.create_app`` includes them."""
