"""The customer portal: customers see and answer their own tickets, never notes or lifecycle data."""
