"""The audit trail: every decision of the server and its users, who, when and why."""
