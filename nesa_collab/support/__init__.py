"""Support for the Cores beside conferences: hotel-night reimbursements (S3)."""
