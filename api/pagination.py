from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Stable keyset paging for large lists: `?cursor=` links, newest first by default."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        """The requested ordering, then the id: a cursor counts its way past the rows that share the
        ordering's value, which only holds if they come in the same order every time, and without a
        unique last key PostgreSQL returns ties in any order (pages repeated and skipped rows)."""
        ordering = super().get_ordering(request, queryset, view)
        if ordering[-1].lstrip("-") in ("id", "pk"):
            return ordering
        return (*ordering, "-id" if ordering[0].startswith("-") else "id")
