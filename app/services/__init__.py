"""Application services: database work that is not HTTP, shared by views, API and commands."""
