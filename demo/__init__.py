"""Demo data for trying Homeward: `manage.py seed_demo`. Never loaded in production."""
