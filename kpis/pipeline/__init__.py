"""Set-based rebuilding of the KPI tables from the raw rows (see kpis/models.py).

`tickets` rebuilds the per-ticket tables and `customers` the stage spans, for the scope in
`kpis_workticket` / `kpis_workcustomer` or for everything; `rollups` keeps the daily rollups
equal to the sum over those tables. `kpis.services` decides what goes into the scope (everything,
a date range, or what new log rows touched) and holds the cursor lock while it runs.
"""
