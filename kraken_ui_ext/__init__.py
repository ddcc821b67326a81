"""What scientists see beyond the stock Dagster UI: metadata builders for materializations and the companion app."""
