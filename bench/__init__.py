"""`make bench`: every user-facing path measured on PostgreSQL and Redis at scale (see BENCHMARKS.md)."""
