"""The outbox: messages to people, written in the same transaction as the change that causes them
and delivered later (by the scheduler, where mail is configured)."""
