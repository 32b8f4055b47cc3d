"""The outbox: messages to people, written in the same transaction as the change that causes them
(``services.tell``) and sent after the commit through SMTP (``delivery.send_due``: claimed by one
sender, retried with back-off, never sent twice); the daily digest of what is waiting for each person
(``digest``, from the sources higher domains install); each person's mail preferences. Every domain
writes here, so this package imports none: people are named by id and address."""
