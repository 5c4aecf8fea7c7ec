"""The head office's desk: customer service and payments (the back office's Operations).

Read models that gather what one customer's file shows from the packages that
own it (customers, transfers, savings, likelemba, mail, audit), the searches of
customers and payments, and the reversal of a payment proposed by one operator
and approved by another (``reversals``). Pages under ``/backoffice`` call these;
the rules stay here, in the domain, and reuse the services the REST admin
endpoints use (freezing, unlocking, KYC, ``transfers.reversal``).
"""
