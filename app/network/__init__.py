"""The postal network: départements, post offices and print centres as records.

Agents belong to a post office (``staff_users.post_office_code``), a print
centre serves a list of post offices (``post_offices.print_centre_code``), and
the portal's "find a post office" and the back office read the same rows.
"""
