"""Uploads and downloads stream: Python's allocation peak does not grow with the file.

The bench (tests/bench/documents.py, in `make bench`) measures 2 MB against 20 MB;
this runs its measurement small, through the same WSGI path, on every test run.
"""

from tests.bench.documents import keep_the_connection, measure_round_trip

SMALL, LARGE = 100_000, 2_000_000
# The file grows by 1.9 MB; a copy of it held in memory anywhere would show.
MARGIN = 500_000


def test_upload_and_download_memory_does_not_grow_with_the_file(cast, case):
    restore = keep_the_connection()
    try:
        small = measure_round_trip(user=cast.social_worker, case=case, size=SMALL)
        large = measure_round_trip(user=cast.social_worker, case=case, size=LARGE)
    finally:
        restore()
    assert large.upload_peak - small.upload_peak < MARGIN, (small, large)
    assert large.download_peak - small.download_peak < MARGIN, (small, large)
