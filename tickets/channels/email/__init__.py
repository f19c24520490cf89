"""Email in and out: parse, thread, fold quotes, recognise automatic mail, ingest from every source."""
