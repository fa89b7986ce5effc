"""Booking from Outlook (Pexip's Secure Scheduler for Exchange): the texts and templates the
add-in and the invitations carry. Pure: no I/O."""
