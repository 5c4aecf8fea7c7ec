"""Hybrid mail and the postal e-mailbox (docs/API.md, "Hybrid mail and the postal e-mailbox").

A customer or an organisation (an API client of role ``sender``) sends a PDF
letter; it is paid (wallet with an OTP, or a prefunded account at once),
stored content-addressed, given an S10 tracking number, and delivered either
to the recipient's e-mailbox or on paper (printed at the centre serving the
destination post office, then carried by the postman). Every step of a
letter is appended to its evidence hash chain.

Modules: ``s10`` (tracking numbers, pure), ``pdf`` (what a letter file must
be), ``storage`` (content-addressed files), ``tariff`` (prices from
configuration), ``places`` (print centres and post offices), ``models``,
``locks``, ``numbers`` (allocation), ``evidence`` (the chain), ``letters``
(sending), ``payment`` (the wallet order), ``delivery``, ``mailbox``,
``printing``, ``commands``, ``wiring``.
"""
