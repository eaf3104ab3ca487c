"""Verification for relying parties: purpose-bound yes/no with the holder's consent,
receipts to the holder, signed offline credentials (PRODUCT.md capability 6)."""
