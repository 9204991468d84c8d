"""Clinical and time rules as plain functions: no Flask, no database."""
