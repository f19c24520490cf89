from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Stable keyset paging for large lists: `?cursor=` links, newest first by default."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
