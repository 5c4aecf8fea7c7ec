"""Server-rendered web pages for staff (channel layer): the post-office counter."""
