"""Who is calling: tokens for customers and staff, API keys for organisations."""
