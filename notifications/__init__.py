"""Notifications: the bell, their emails, the reminder sweep and the weekly digest."""
