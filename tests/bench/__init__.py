"""`make bench`: how the caseload pages and API behave with 100,000 returnees.

Run with `python -m tests.bench [--fresh] [--returnees N]`. It seeds its own
database (`homeward_bench`), never the development one, and prints a table of
request timings next to the time of the bare SQL behind each request.

Nothing here is a test: no module is named `test_*.py`, and importing this
package does nothing (all the work happens in `__main__`).
"""
